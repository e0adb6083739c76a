/**
 * (T × a × b) → (T × b × a): the unshared kernels move their states between the forward's
 * transposed layout and the backward's plain one. On wasm one SIMD pass (kernels.wat's
 * transpose, 4 × 4 blocks); tfjs-wasm's Transpose took ≈ 0.9 ns a value there (3.6 ms of a
 * bench-B unshared tanh step). Elsewhere tf.transpose.
 */
import * as tf from '@tensorflow/tfjs';
import { SimdKernels } from '../simd/simd-kernels.js';

export function transposeInner(x: tf.Tensor3D): tf.Tensor3D {
  const simd = SimdKernels.current();
  if (!simd || x.dtype !== 'float32') return tf.transpose(x, [0, 2, 1]);
  const [T, a, b] = x.shape;
  const out = simd.empty([T, b, a]) as tf.Tensor3D;
  simd.transpose(x, T, a, b, out);
  return out;
}
