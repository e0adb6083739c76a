/** Row gather and scatter-add (kernels/rows.ts) and the batched transpose (kernels/transpose.ts): the same as tf.gather / tf.scatterND / tf.transpose on every backend. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { gatherRows, scatterRows } from '../../main/engine/kernels/rows.js';
import { transposeInner } from '../../main/engine/kernels/transpose.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backend.js';

for (const backend of TEST_BACKENDS) {
  describe(`rows on ${backend}`, () => {
    useBackend(backend);
    it('gathers rows, repeated ones included, and scatters gradients back adding repeats', () => {
      const x = tf.tensor2d(Array.from({ length: 5 * 6 }, (_, i) => i * 0.5 - 3), [5, 6]);
      const rows = tf.tensor1d([4, 0, 4, 2], 'int32');
      const before = tf.memory().numTensors;
      const got = gatherRows(x, rows);
      expect(got.shape).toEqual([4, 6]);
      const ref = tf.gather(x, rows);
      expect([...got.dataSync()]).toEqual([...ref.dataSync()]);
      const dy = tf.tensor2d(Array.from({ length: 4 * 6 }, (_, i) => Math.sin(i)), [4, 6]);
      const back = scatterRows(dy, rows, [5, 6]);
      const want = tf.tidy(() => tf.scatterND(tf.expandDims(rows, 1), dy, [5, 6]));
      back.dataSync().forEach((v, i) => expect(v).toBeCloseTo(want.dataSync()[i], 6));
      // row 1 and row 3 are not picked: zeros
      expect([...back.dataSync().slice(6, 12)]).toEqual([0, 0, 0, 0, 0, 0]);
      tf.dispose([got, ref, dy, back, want]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, rows]);
    });
    it('refuses a row outside the tensor and leaves nothing behind', () => {
      const x = tf.zeros([3, 2]) as tf.Tensor2D;
      const rows = tf.tensor1d([1, 3], 'int32');
      const before = tf.memory().numTensors;
      expect(() => gatherRows(x, rows)).toThrow(/3/);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, rows]);
    });
  });
}

describe('transposeInner', () => {
  for (const backend of TEST_BACKENDS) {
    describe(backend, () => {
      useBackend(backend);
      it('equals tf.transpose(x, [0, 2, 1]) for sizes with and without whole 4 × 4 blocks, and leaks nothing', () => {
        for (const [T, a, b] of [[3, 8, 12], [2, 5, 7], [1, 4, 3], [2, 1, 9], [4, 32, 33]]) {
          const x = tf.tensor3d(Float32Array.from({ length: T * a * b }, (_, i) => i), [T, a, b]);
          const before = tf.memory().numTensors;
          const got = transposeInner(x);
          const want = tf.transpose(x, [0, 2, 1]);
          expect(got.shape).toEqual([T, b, a]);
          expect([...got.dataSync()]).toEqual([...want.dataSync()]);
          tf.dispose([got, want]);
          expect(tf.memory().numTensors).toBe(before);
          x.dispose();
        }
      });
    });
  }
});
