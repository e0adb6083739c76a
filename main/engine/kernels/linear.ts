/**
 * y = x Wᵀ + b with W in PyTorch's (out × in) layout and a backward without matMul's transpose
 * flags (they drop tfjs-wasm off its fast path): ∂L/∂x = ∂L/∂y · W, ∂L/∂W = (∂L/∂y)ᵀ x,
 * ∂L/∂b = Σ ∂L/∂y — each one product (products.ts: on wasm the SIMD gemm, bias added as it writes).
 */
import * as tf from '@tensorflow/tfjs';
import { columnSums, product } from './products.js';

type Linear = (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

function build(inputGrad: boolean): Linear {
  return tf.customGrad(((x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([x, W]);
    // the bias inside the product (tfjs-wasm's broadcasting add is slow: 1600 × 384 4.5 → 2.7 ms);
    // Wᵀ read from W as it lies (no Transpose kernel)
    const value = product(x, W, { transposeB: true, bias: b });
    return {
      value,
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [xs, Ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [inputGrad ? product(dy, Ws) : tf.zerosLike(xs), product(dy, xs, { transposeA: true }), columnSums(dy)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Linear;
}

export const linear = build(true);

/**
 * The same for x that is data (no parameter upstream): ∂L/∂x is not computed but returned as
 * zeros — one matmul saved per step (7 % of a config-B step). Only where the caller knows that.
 */
export const linearOfData = build(false);
