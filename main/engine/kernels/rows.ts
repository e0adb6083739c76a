/**
 * Rows of a 2-D tensor by index, and the scatter-add back: token embeddings, and the many-to-one
 * head's last valid state of each sequence. On wasm the rows are copied where they lie in its memory
 * (SimdKernels.copyRows/scatterRows): tfjs-wasm's GatherV2 took ≈ 220 µs for 32 rows of 128,
 * ≈ 3 % of a bench-A step, and ScatterNd with its zero fill ≈ 100 µs more. Elsewhere tf.gather
 * and tf.scatterND.
 */
import * as tf from '@tensorflow/tfjs';
import { SimdKernels } from '../simd/simd-kernels.js';

/** x's rows `rows` (int32), as tf.gather(x, rows). */
export function gatherRows(x: tf.Tensor2D, rows: tf.Tensor1D): tf.Tensor2D {
  const simd = SimdKernels.current();
  if (!simd) return tf.gather(x, rows);
  return written(simd, [rows.size, x.shape[1]], (out) => simd.copyRows(x, rows.dataSync(), x.shape[1], out));
}

/** A `shape` tensor of zeros with dy's row i added into row rows[i], as tf.scatterND. */
export function scatterRows(dy: tf.Tensor2D, rows: tf.Tensor1D, shape: [number, number]): tf.Tensor2D {
  const simd = SimdKernels.current();
  if (!simd) return tf.tidy(() => tf.scatterND(tf.expandDims(rows, 1), dy, shape));
  return written(simd, shape, (out) => simd.scatterRows(dy, rows.dataSync(), shape[1], out));
}

/** A fresh tensor that `write` fills, disposed again if `write` refuses (a row out of range). */
function written(simd: SimdKernels, shape: [number, number], write: (out: tf.Tensor2D) => void): tf.Tensor2D {
  const out = simd.empty(shape) as tf.Tensor2D;
  try {
    write(out);
  } catch (err) {
    out.dispose();
    throw err;
  }
  return out;
}
