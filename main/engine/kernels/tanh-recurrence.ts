/**
 * The shared tanh recurrence with a hand-written backward pass (BPTT), for speed on wasm/cpu:
 *
 *   z_t = xp_t + h_{t−1} W_hhᵀ,   h̃_t = tanh(z_t),   h_t = h_{t−1} + m_t ⊙ (h̃_t − h_{t−1})
 *
 * (xp_t already holds x_t W_xhᵀ + b_ih + b_hh.) Backward, with g_t = ∂L/∂h_t from outside plus
 * the carry from step t+1:
 *   ∂L/∂z_t = m_t ⊙ g_t ⊙ (1 − h̃_t²),   carry_{t−1} = (1 − m_t) ⊙ g_t + ∂L/∂z_t · W_hh
 *   ∂L/∂xp_t = ∂L/∂z_t,   ∂L/∂W_hh = Σ_t (∂L/∂z_t)ᵀ h_{t−1}
 *
 * Why it is faster than autodiff here: tfjs-wasm is bound by per-op overhead and falls off its
 * XNNPACK fast path for matMul with a transpose flag. So: every matmul in the loops is
 * non-transposed; steps are gathered from time-major tensors (wasm's unstack copies the whole
 * input for every slice); everything that can be done for all T at once (biases, 1 − h̃², the
 * weight gradient) is one op outside the loops; and batches of equal lengths skip the mask.
 * Checked against the PyTorch fixtures and against autodiff.
 */
import * as tf from '@tensorflow/tfjs';
import { forwardInputs, previous, timeSlices, weightGradient } from './time-slices.js';

/** tanh(z) = 2σ(2z) − 1: exact in real arithmetic; faster than tfjs-wasm's tanh kernel at d ≥ 256. */
export function fastTanh(z: tf.Tensor): tf.Tensor {
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(z, 2)), 2), 1);
}

type Recurrence = (xp: tf.Tensor3D, W_hh: tf.Tensor2D, mask: tf.Tensor3D) => tf.Tensor3D;

function build(masked: boolean): Recurrence {
  return tf.customGrad(((xp: tf.Tensor3D, W_hh: tf.Tensor2D, mask: tf.Tensor3D, save: tf.GradSaveFunc) => {
    const { T, W_hhT, xs, ms, h0 } = forwardInputs(xp, W_hh, mask, masked);
    const states: tf.Tensor2D[] = [];
    const cand: tf.Tensor2D[] = [];
    let h = h0;
    for (let t = 0; t < T; t++) {
      const hn = fastTanh(tf.add(xs[t], tf.matMul(h, W_hhT))) as tf.Tensor2D;
      h = masked ? (tf.add(h, tf.mul(ms[t], tf.sub(hn, h))) as tf.Tensor2D) : hn;
      states.push(h);
      cand.push(hn);
    }
    const H = tf.stack(states) as tf.Tensor3D;
    const Hn = masked ? (tf.stack(cand) as tf.Tensor3D) : H;
    save([H, Hn, W_hh, mask]);
    return {
      value: H,
      gradFunc: (dH: tf.Tensor3D, saved: tf.Tensor[]) => {
        const [Hs, Hns, W, M] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor2D, tf.Tensor3D];
        // tanh′ for every step at once; with a mask, m_t folds in here too
        const slope = masked ? (tf.mul(M, tf.sub(1, tf.square(Hns))) as tf.Tensor3D) : (tf.sub(1, tf.square(Hns)) as tf.Tensor3D);
        const keep = masked ? timeSlices(tf.sub(1, M) as tf.Tensor3D) : null;
        const slopes = timeSlices(slope);
        const dHs = timeSlices(dH);
        const dZ: tf.Tensor2D[] = new Array(T);
        let carry: tf.Tensor2D | null = null;
        for (let t = T - 1; t >= 0; t--) {
          const g: tf.Tensor2D = carry ? tf.add(dHs[t], carry) : dHs[t];
          const dz = tf.mul(g, slopes[t]) as tf.Tensor2D;
          dZ[t] = dz;
          // ∂z_t/∂h_{t−1} = W_hhᵀ, so the carry is dz · W_hh: no transpose needed
          const through: tf.Tensor2D = tf.matMul(dz, W);
          carry = keep ? tf.add<tf.Tensor2D>(tf.mul(keep[t], g), through) : through;
        }
        const dZall = tf.stack(dZ) as tf.Tensor3D;
        // ∂L/∂W_hh = dZᵀ Hprev over all T·B rows: one matmul after an explicit transpose
        return [dZall, weightGradient(dZall, previous(Hs)), tf.zerosLike(M)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Recurrence;
}

/** With a mask (variable lengths: padded steps carry the state) and without (all lengths equal). */
export const tanhRecurrence = { masked: build(true), full: build(false) };
