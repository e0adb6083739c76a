/**
 * y = x Wᵀ + b with W in PyTorch's (out × in) layout and a hand-written backward: ∂L/∂x = ∂L/∂y · W,
 * ∂L/∂W = (∂L/∂y)ᵀ x, ∂L/∂b = Σ ∂L/∂y — each one product (products.ts: on wasm the SIMD gemm,
 * bias added as it writes, transposes read through strides; elsewhere matMul with its flags).
 */
import * as tf from '@tensorflow/tfjs';
import { columnSums, product } from './products.js';

type Linear = (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/** The forward: the bias inside the product (tfjs-wasm's broadcasting add is slow: 1600 × 384 4.5 → 2.7 ms); Wᵀ read from W as it lies. */
const forward = (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D) => product(x, W, { transposeB: true, bias: b });

export const linear: Linear = tf.customGrad(((x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([x, W]);
  return {
    value: forward(x, W, b),
    gradFunc: (dy: tf.Tensor2D, [xs, Ws]: tf.Tensor[]) => [product(dy, Ws as tf.Tensor2D), product(dy, xs as tf.Tensor2D, { transposeA: true }), columnSums(dy)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Linear;

/**
 * The same for x that is data (no parameter upstream): x is not an input of the gradient, so
 * ∂L/∂x is neither computed nor filled with zeros — one matmul saved per step (7 % of a
 * config-B step), and on webgpu a dispatch. Only where the caller knows that.
 */
export function linearOfData(x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad(((W: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    // saved, not only captured: tfjs disposes the forward's other tensors before the backward
    save([x]);
    return {
      value: forward(x, W, b),
      gradFunc: (dy: tf.Tensor2D, [xs]: tf.Tensor[]) => [product(dy, xs as tf.Tensor2D, { transposeA: true }), columnSums(dy)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (W: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;
  return op(W, b);
}
