/** Row gather and scatter-add (kernels/rows.ts): the same as tf.gather / tf.scatterND on every backend. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { gatherRows, scatterRows } from '../../main/engine/kernels/rows.js';
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
