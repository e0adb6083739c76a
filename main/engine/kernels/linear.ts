/**
 * y = x Wᵀ + b with W in PyTorch's (out × in) layout and a backward made only of
 * non-transposed matmuls (explicit transposes instead of matMul's transpose flags, which
 * drop tfjs-wasm off its fast path):  ∂L/∂x = ∂L/∂y · W,  ∂L/∂W = (∂L/∂y)ᵀ x,  ∂L/∂b = Σ ∂L/∂y.
 */
import * as tf from '@tensorflow/tfjs';

type Linear = (x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

function build(inputGrad: boolean): Linear {
  return tf.customGrad(((x: tf.Tensor2D, W: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([x, W]);
    return {
      // the bias inside the matmul (XNNPACK adds it while writing the output): tfjs-wasm's
      // broadcasting add is slow — 1600 × 384 projection 4.5 → 2.7 ms
      value: tf.fused.matMul({ a: x, b: tf.transpose(W) as tf.Tensor2D, bias: b }),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [xs, Ws] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [inputGrad ? tf.matMul(dy, Ws) : tf.zerosLike(xs), tf.matMul(tf.transpose(dy), xs), tf.sum(dy, 0)];
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
