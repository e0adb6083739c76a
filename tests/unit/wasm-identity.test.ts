/** tfjs-wasm's Identity shares memory (wasm-identity.ts): a clone costs no copy and outlives its source. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { SimdKernels } from '../../main/engine/simd/simd-kernels.js';
import { useBackend } from '../helpers/backend.js';

describe('Identity on wasm', () => {
  useBackend('wasm');
  it('clones without a copy, and the clone keeps its values after the source is disposed', () => {
    const simd = SimdKernels.current()!;
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = tf.clone(x);
    expect(simd.offset(y)).toBe(simd.offset(x));
    x.dispose();
    // the memory stays with the clone: a new tensor does not get it
    const z = tf.fill([2, 3], 9);
    expect(simd.offset(z)).not.toBe(simd.offset(y));
    expect([...y.dataSync()]).toEqual([1, 2, 3, 4, 5, 6]);
    tf.dispose([y, z]);
  });
  it('still gives gradients through clones and custom gradients, and leaks nothing', () => {
    const w = tf.variable(tf.tensor1d([0.5, -1, 2]));
    const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      save([x]);
      return { value: tf.square(x), gradFunc: (dy: tf.Tensor, [kept]: tf.Tensor[]) => tf.mul(dy, tf.mul(kept, 2)) };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const { value, grads } = tf.variableGrads(() => tf.sum(f(tf.clone(w))) as tf.Scalar, [w]);
      expect([...grads[w.name].dataSync()]).toEqual([1, -2, 4]);
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).toBe(count);
    w.dispose();
  });
  it('keeps strings working', () => {
    const s = tf.tensor1d(['a', 'bc']);
    const c = tf.clone(s);
    s.dispose();
    expect(c.dataSync()).toEqual(['a', 'bc']);
    c.dispose();
  });
});
