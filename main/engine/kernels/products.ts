/**
 * The matrix products outside the recurrent loops (input projections, weight and bias
 * gradients over all T·B rows). On wasm they run on the engine's SIMD gemm straight on the
 * tensors' memory: a transposed operand is read through strides and a bias is added while
 * the output is written, so there are no Transpose kernels, no broadcasting adds and no
 * shifted copies of the states; weight gradients skip the leading rows that are exact zeros.
 * Measured at config B: ∂W_hh 20 → 9 ms, the projection 7 → 5 ms (XNNPACK, with tf.transpose
 * first). Elsewhere tfjs ops: matMul with its transpose flags, which cost nothing on webgpu,
 * tensorflow or cpu, where a Transpose is one more kernel (on webgpu a dispatch, ≈ 50–150 µs);
 * tfjs-wasm without SIMD transposes first (a flag drops it off XNNPACK).
 */
import * as tf from '@tensorflow/tfjs';
import { SimdKernels } from '../simd/simd-kernels.js';
import { previous } from './time-slices.js';

/** a · b, with a and/or b transposed (transposeA, transposeB), plus `bias` on every row. */
export function product(a: tf.Tensor2D, b: tf.Tensor2D, opts: { transposeA?: boolean; transposeB?: boolean; bias?: tf.Tensor1D } = {}): tf.Tensor2D {
  const [rows, inner] = opts.transposeA ? [a.shape[1], a.shape[0]] : a.shape;
  const [bInner, cols] = opts.transposeB ? [b.shape[1], b.shape[0]] : b.shape;
  if (bInner !== inner) throw new Error(`product: inner sizes differ (${inner} and ${bInner})`);
  const simd = SimdKernels.current();
  if (!simd) {
    return tf.tidy(() => {
      const [transposeA, transposeB] = [Boolean(opts.transposeA), Boolean(opts.transposeB)];
      if (!flagsAreFree()) return tf.fused.matMul({ a: transposeA ? tf.transpose(a) : a, b: transposeB ? tf.transpose(b) : b, bias: opts.bias }) as tf.Tensor2D;
      return tf.fused.matMul({ a, b, transposeA, transposeB, bias: opts.bias }) as tf.Tensor2D;
    });
  }
  const [aRow, aCol] = opts.transposeA ? [4, 4 * a.shape[1]] : [4 * inner, 4];
  // a weight gradient (aᵀ·b over T·B rows) starts past the rows of a that are exact zeros
  const skip = opts.transposeA && !opts.transposeB && !opts.bias ? zeroRows(simd, simd.offset(a), inner, a.shape[1]) : 0;
  if (skip === inner) return simd.zeros([rows, cols]) as tf.Tensor2D;
  const out = simd.empty([rows, cols]) as tf.Tensor2D;
  simd.gemm(simd.offset(a) + skip * aCol, aRow, aCol, simd.offset(b) + 4 * skip * cols, simd.offset(out), opts.bias ? simd.offset(opts.bias) : 0, 0, rows, inner - skip, cols, opts.transposeB ? 'transposed' : 'rows');
  return out;
}

/** Whether matMul's transpose flags cost nothing here: everywhere but tfjs-wasm (whose SIMD path is above). */
function flagsAreFree(): boolean {
  return tf.getBackend() !== 'wasm';
}

/**
 * How many of the first rows (of `width` floats, at byte offset `at`) are all exact zeros. A
 * gradient through a long tanh RNN underflows to exact zeros tens of steps back (bench B with
 * the page's init: about half the steps), and those rows add nothing to a weight gradient.
 */
function zeroRows(simd: SimdKernels, at: number, rows: number, width: number): number {
  return Math.floor(simd.firstNonzero(at, rows * width) / width);
}

/** Σ over the rows of x (a bias gradient): on wasm one SIMD pass (tfjs-wasm's Sum over axis 0 is slow). */
export function columnSums(x: tf.Tensor2D): tf.Tensor1D {
  const simd = SimdKernels.current();
  if (!simd) return tf.sum(x, 0);
  const [rows, cols] = x.shape;
  const out = simd.empty([cols]) as tf.Tensor1D;
  simd.columnSums(x, rows, cols, out);
  return out;
}

/**
 * Σ_t ∂gates_tᵀ h_{t−1} over all T·B rows (time-major T × B × g and T × B × d; h_{−1} = 0):
 * the recurrent weight gradient (g × d) as one product. On wasm step 0 is skipped by an
 * offset instead of a shifted copy of H.
 */
export function stateWeightGradient(dGates: tf.Tensor3D, H: tf.Tensor3D): tf.Tensor2D {
  const [T, B, g] = dGates.shape;
  const d = H.shape[2];
  const simd = SimdKernels.current();
  if (!simd) {
    if (!flagsAreFree()) return tf.tidy(() => tf.matMul(tf.transpose(tf.reshape(dGates, [T * B, g])), tf.reshape(previous(H), [T * B, d])));
    if (T === 1) return tf.zeros([g, d]);
    // steps 1 … T−1 of ∂gates against the states of steps 0 … T−2: two slices, no shifted copy
    return tf.tidy(() => tf.matMul(tf.reshape(tf.slice(dGates, [1, 0, 0]), [(T - 1) * B, g]), tf.reshape(tf.slice(H, [0, 0, 0], [T - 1, B, d]), [(T - 1) * B, d]), true, false));
  }
  // rows of ∂gates from step 1 on, against the states of steps 0 … T−2, past any rows of exact zeros
  const from = simd.offset(dGates) + 4 * B * g;
  const skip = zeroRows(simd, from, (T - 1) * B, g);
  if (skip === (T - 1) * B) return simd.zeros([g, d]) as tf.Tensor2D;
  const out = simd.empty([g, d]) as tf.Tensor2D;
  simd.gemm(from + 4 * skip * g, 4, 4 * g, simd.offset(H) + 4 * skip * d, simd.offset(out), 0, 0, g, (T - 1) * B - skip, d);
  return out;
}
