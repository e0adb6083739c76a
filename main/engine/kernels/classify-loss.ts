/**
 * Softmax cross-entropy of a classifier's logits, weighted per sequence, and its gradient, in
 * one JS pass, for the backends whose tensors live in this process's memory (wasm, cpu).
 *
 * Why: tf.losses.softmaxCrossEntropy and its one-hot labels are ≈ 12 ops forward and as many
 * backward on a (batch × classes) tensor of a few dozen values; on wasm each op costs ≈ 15 µs of
 * dispatch, ≈ 5 % of a bench-A step, for a few hundred flops. Elsewhere (tensorflow on a GPU)
 * the tfjs ops run, on the device. Sums run in float64 (log-sum-exp with the max taken out),
 * so the loss is at least as accurate as the ops'.
 */
import * as tf from '@tensorflow/tfjs';
import { EngineError } from '../errors.js';

/**
 * Σ_b w_b · CE(logits_b, label_b). `weights` has one entry per sequence (1/B for a mean;
 * 1/(B·length_b) for a length-normalized mean). Throws on a label outside 0 … classes−1.
 */
export function classifyLoss(logits: tf.Tensor2D, labels: tf.Tensor1D, weights: ArrayLike<number>): tf.Scalar {
  const [B, C] = logits.shape;
  const y = labels.dataSync();
  for (let b = 0; b < B; b++) {
    if (!Number.isInteger(y[b]) || y[b] < 0 || y[b] >= C) throw new EngineError('bad-input', `label ${y[b]} of sequence ${b + 1} is outside 0…${C - 1} (${C} classes)`);
  }
  const op = tf.customGrad(((z: tf.Tensor2D, save: tf.GradSaveFunc) => {
    save([]);
    const values = z.dataSync();
    // ∂L/∂z = w_b (softmax_b − onehot_b), filled while the loss is summed
    const grad = new Float32Array(B * C);
    let loss = 0;
    for (let b = 0; b < B; b++) {
      const row = b * C;
      let max = -Infinity;
      for (let c = 0; c < C; c++) max = Math.max(max, values[row + c]);
      let sum = 0;
      for (let c = 0; c < C; c++) sum += Math.exp(values[row + c] - max);
      loss += weights[b] * (max + Math.log(sum) - values[row + y[b]]);
      for (let c = 0; c < C; c++) grad[row + c] = weights[b] * (Math.exp(values[row + c] - max) / sum - (c === y[b] ? 1 : 0));
    }
    return {
      value: tf.scalar(loss),
      gradFunc: (dy: tf.Scalar) => {
        const scale = dy.dataSync()[0];
        return [tf.tensor2d(scale === 1 ? grad : grad.map((g) => g * scale), [B, C])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (z: tf.Tensor2D) => tf.Scalar;
  return op(logits);
}
