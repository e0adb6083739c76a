/**
 * The unshared tanh recurrence over all T steps, h_t = tanh(x_t W_xh^(t)ᵀ + b^(t) + h_{t−1} W_hh^(t)ᵀ),
 * with a hand-written backward as tfjs ops, for the backends without the wasm kernels (on wasm:
 * unshared-recurrence.ts). Variable lengths: carry-lengths.ts. Every position's weights stay
 * separate inputs and get separate gradients; per step the backward is
 *   ∂z_t = g_t ⊙ (1 − h_t²),  ∂x_t = ∂z_t W_xh^(t),  carry = ∂z_t W_hh^(t),
 *   ∂W_xh^(t) = ∂z_tᵀ x_t,  ∂W_hh^(t) = ∂z_tᵀ h_{t−1},  ∂b^(t) = Σ_batch ∂z_t
 * Checked against autodiff.
 */
import * as tf from '@tensorflow/tfjs';
import { fastTanh } from './tanh-recurrence.js';
import { restoredInputs, savedInputs } from './saved-inputs.js';
import { timeSlices } from './time-slices.js';

export interface TanhStepWeights {
  W_xh: tf.Tensor2D;
  W_hh: tf.Tensor2D;
  /** the biases already summed */
  b: tf.Tensor1D;
}

/**
 * @param x time-major inputs (T × B × n)
 * @param steps per position t < T: W_xh (d × n), W_hh (d × d), b (d)
 * @param inputGrad false when x is data: ∂L/∂x is then returned as zeros, not computed
 * @returns all states, time-major (T × B × d)
 */
export function unsharedTanh(x: tf.Tensor3D, steps: TanhStepWeights[], inputGrad = true): tf.Tensor3D {
  const T = x.shape[0];
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xT, ...flat] = args as tf.Tensor[];
    const byStep = (ws: tf.Tensor[]) => Array.from({ length: T }, (_, t) => ({ W_xh: ws[3 * t] as tf.Tensor2D, W_hh: ws[3 * t + 1] as tf.Tensor2D, b: ws[3 * t + 2] as tf.Tensor1D }));
    const H = forwardOps(xT as tf.Tensor3D, byStep(flat));
    save([H, xT, ...savedInputs(flat)]);
    return {
      value: H,
      gradFunc: (dH: tf.Tensor3D, saved: tf.Tensor[]) => {
        const [Hs, xs, ...rest] = saved as [tf.Tensor3D, tf.Tensor3D, ...tf.Tensor[]];
        return backwardOps(dH, Hs, xs, byStep(restoredInputs(flat, rest)), inputGrad);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...args: tf.Tensor[]) => tf.Tensor3D;
  return op(x, ...steps.flatMap((s) => [s.W_xh, s.W_hh, s.b]));
}

/** The loop as tfjs ops (cpu, tensorflow backends). */
function forwardOps(x: tf.Tensor3D, w: TanhStepWeights[]): tf.Tensor3D {
  return tf.tidy(() => {
    const B = x.shape[1];
    const d = w[0].W_hh.shape[0];
    let h = tf.zeros([B, d]) as tf.Tensor2D;
    const states = timeSlices(x).map((xt, t) => {
      const z = tf.add(tf.add(tf.matMul(xt, tf.transpose(w[t].W_xh)), w[t].b), tf.matMul(h, tf.transpose(w[t].W_hh)));
      return (h = fastTanh(z) as tf.Tensor2D);
    });
    return tf.stack(states) as tf.Tensor3D;
  });
}

function backwardOps(dH: tf.Tensor3D, H: tf.Tensor3D, x: tf.Tensor3D, w: TanhStepWeights[], inputGrad: boolean): tf.Tensor[] {
  return tf.tidy(() => {
    const T = dH.shape[0];
    const [hs, dHs, xs] = [H, dH, x].map((a) => timeSlices(a));
    const grads: tf.Tensor[] = new Array(3 * T);
    const dX: tf.Tensor2D[] = new Array(T);
    let carry: tf.Tensor2D | null = null;
    for (let t = T - 1; t >= 0; t--) {
      const g: tf.Tensor2D = carry ? tf.add<tf.Tensor2D>(dHs[t], carry) : dHs[t];
      const dz: tf.Tensor2D = tf.mul(g, tf.sub(1, tf.square(hs[t])));
      const dzT = tf.transpose(dz);
      grads[3 * t] = tf.matMul(dzT, xs[t]);
      grads[3 * t + 1] = tf.matMul(dzT, t > 0 ? hs[t - 1] : tf.zerosLike(hs[0]));
      grads[3 * t + 2] = tf.sum(dz, 0);
      if (inputGrad) dX[t] = tf.matMul(dz, w[t].W_xh);
      carry = tf.matMul(dz, w[t].W_hh) as tf.Tensor2D;
    }
    return [inputGrad ? tf.stack(dX) : tf.zerosLike(x), ...grads];
  });
}
