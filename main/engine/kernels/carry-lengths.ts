/**
 * Variable lengths for the recurrence kernels, without a mask inside their loops.
 *
 * Padding sits at the end of each sequence, so a state at a valid step never depends on a
 * padded one: running every sequence for all T steps gives the right states up to each length,
 * and only the states past it differ. The engine's semantics there is "padded steps carry the
 * state" (h_t = h_{len−1}), so this takes the all-steps states and copies h_{len−1} forward.
 * Backward, the gradient arriving at the copies is summed onto h_{len−1}, and the steps past
 * the length get none — so they add nothing to any weight gradient, exactly as with a mask.
 * The kernels' loops stay mask-free (fewer ops per step, and the same code for both cases).
 */
import * as tf from '@tensorflow/tfjs';
import { tensorsInProcessMemory } from '../in-process.js';

/**
 * carryPastLengths for a batch's (B × T) mask: in this process's memory by row copies (below);
 * on a GPU as one gather there, its rows computed there too (webgpu cannot read synchronously in
 * Node, and a round trip through the CPU would stall the GPU's queue every step).
 */
export function carryPastMask(states: tf.Tensor3D, mask: tf.Tensor2D): tf.Tensor3D {
  if (tensorsInProcessMemory()) return carryPastLengths(states, lengthsFromMask(mask));
  const [T, B, d] = states.shape;
  return tf.tidy(() => {
    const last = tf.reshape(tf.maximum(tf.sub(tf.sum(mask, 1), 1), 0), [1, B]);
    const steps = tf.reshape(tf.range(0, T), [T, 1]);
    const rows = tf.add(tf.mul(tf.minimum(steps, last), B), tf.reshape(tf.range(0, B), [1, B]));
    const picked = tf.gather(tf.reshape(states, [T * B, d]), tf.cast(tf.reshape(rows, [T * B]), 'int32'));
    return tf.reshape(picked, [T, B, d]) as tf.Tensor3D;
  });
}

/** Valid steps per sequence from a (B × T) mask. */
export function lengthsFromMask(mask: tf.Tensor2D): Int32Array {
  const [B, T] = mask.shape;
  const m = mask.dataSync();
  const lengths = new Int32Array(B);
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) if (m[b * T + t] > 0.5) lengths[b] = t + 1;
  return lengths;
}

/** Row (t, b) of a time-major (T × B × d) array: what it copies from, h_{min(t, len_b − 1)}. */
function source(t: number, b: number, B: number, lengths: Int32Array): number {
  return Math.min(t, Math.max(lengths[b] - 1, 0)) * B + b;
}

/**
 * @param states time-major states of all T steps (T × B × d)
 * @param lengths valid steps per sequence
 * @returns the states with h_t = h_{len−1} for every t ≥ len
 */
export function carryPastLengths(states: tf.Tensor3D, lengths: Int32Array): tf.Tensor3D {
  const [T, B, d] = states.shape;
  const op = tf.customGrad(((H: tf.Tensor3D, save: tf.GradSaveFunc) => {
    save([]);
    const from = H.dataSync() as Float32Array;
    const out = new Float32Array(from.length);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const src = source(t, b, B, lengths) * d;
        out.set(from.subarray(src, src + d), (t * B + b) * d);
      }
    }
    return {
      value: tf.tensor3d(out, [T, B, d]),
      gradFunc: (dy: tf.Tensor3D) => {
        const g = dy.dataSync() as Float32Array;
        const dx = new Float32Array(g.length);
        for (let t = 0; t < T; t++) {
          for (let b = 0; b < B; b++) {
            const src = source(t, b, B, lengths) * d;
            const row = (t * B + b) * d;
            for (let k = 0; k < d; k++) dx[src + k] += g[row + k];
          }
        }
        return tf.tensor3d(dx, [T, B, d]);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (H: tf.Tensor3D) => tf.Tensor3D;
  return op(states);
}
