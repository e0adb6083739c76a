import * as tf from '@tensorflow/tfjs';
import { tensorsInProcessMemory } from '../in-process.js';

/**
 * x[t] for every t of a time-major tensor (T × B × k). In this process's memory (wasm, cpu):
 * read once and re-made per step from a view of the values, O(T·B·k) copying in all, where
 * tfjs-wasm's gather costs ≈ 135 µs a call at these sizes and its slice/unstack copy the whole
 * input for every slice (O(T²)). On a GPU: unstacked there, not sent to the CPU and back (and
 * webgpu cannot read synchronously in Node).
 */
export function timeSlices(x: tf.Tensor3D): tf.Tensor2D[] {
  if (!tensorsInProcessMemory()) return tf.unstack(x) as tf.Tensor2D[];
  const [T, B, k] = x.shape;
  const values = x.dataSync() as Float32Array;
  return Array.from({ length: T }, (_, t) => tf.tensor2d(values.subarray(t * B * k, (t + 1) * B * k), [B, k]));
}

/** h_{t−1} for every t, time-major: zeros, then the states shifted by one step. */
export function previous(H: tf.Tensor3D): tf.Tensor3D {
  const [T, B, d] = H.shape;
  return tf.concat([tf.zeros([1, B, d]), tf.slice(H, [0, 0, 0], [T - 1, B, d])], 0) as tf.Tensor3D;
}
