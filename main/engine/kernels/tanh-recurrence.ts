/**
 * The shared tanh recurrence over all T steps with a hand-written backward pass (BPTT):
 *
 *   z_t = xp_t + h_{t−1} W_hhᵀ,   h_t = tanh(z_t)
 *
 * (xp_t already holds x_t W_xhᵀ + b_ih + b_hh; variable lengths: carry-lengths.ts.) Backward,
 * with g_t = ∂L/∂h_t from outside plus the carry from step t+1:
 *   ∂L/∂z_t = g_t ⊙ (1 − h_t²),   carry_{t−1} = ∂L/∂z_t · W_hh,
 *   ∂L/∂xp_t = ∂L/∂z_t,   ∂L/∂W_hh = Σ_t (∂L/∂z_t)ᵀ h_{t−1}
 *
 * Why it is faster than autodiff here: tfjs-wasm is bound by per-op overhead and falls off its
 * XNNPACK fast path for matMul with a transpose flag. So: every matmul in the loops is
 * non-transposed; on wasm the loops are direct kernel calls on views of the T-step tensors
 * (wasm-direct.ts); elsewhere steps are sliced on the JS side (wasm's unstack copies the whole
 * input for every slice); everything that can be done for all T at once (1 − h², the weight
 * gradient) is one op outside the loops. Checked against the PyTorch fixtures and autodiff.
 */
import * as tf from '@tensorflow/tfjs';
import { stateWeightGradient } from './products.js';
import { timeSlices } from './time-slices.js';
import { WasmDirect } from './wasm-direct.js';

/** tanh(z) = 2σ(2z) − 1: exact in real arithmetic; faster than tfjs-wasm's tanh kernel at d ≥ 256. */
export function fastTanh(z: tf.Tensor): tf.Tensor {
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(z, 2)), 2), 1);
}

/** h_t for t = 0…T−1 (time-major T × B × d) from the projected inputs xp and W_hh (d × d). */
export const tanhRecurrence = tf.customGrad(((xp: tf.Tensor3D, W_hh: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const direct = WasmDirect.current();
  const W_hhT = tf.transpose(W_hh) as tf.Tensor2D;
  const H = direct ? forwardDirect(direct, xp, W_hhT) : forwardOps(xp, W_hhT);
  W_hhT.dispose();
  save([H, W_hh]);
  return {
    value: H,
    gradFunc: (dH: tf.Tensor3D, saved: tf.Tensor[]) => {
      const [Hs, W] = saved as [tf.Tensor3D, tf.Tensor2D];
      const d = WasmDirect.current();
      const dZ = d ? backwardDirect(d, dH, Hs, W) : backwardOps(dH, Hs, W);
      return [dZ, stateWeightGradient(dZ, Hs)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (xp: tf.Tensor3D, W_hh: tf.Tensor2D) => tf.Tensor3D;

/** The loop as tfjs ops (cpu, tensorflow backends). */
function forwardOps(xp: tf.Tensor3D, W_hhT: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const [, B, d] = xp.shape;
    const xs = timeSlices(xp);
    let h = tf.zeros([B, d]) as tf.Tensor2D;
    const states: tf.Tensor2D[] = [];
    for (const x of xs) states.push((h = fastTanh(tf.add(x, tf.matMul(h, W_hhT))) as tf.Tensor2D));
    return tf.stack(states) as tf.Tensor3D;
  });
}

function backwardOps(dH: tf.Tensor3D, H: tf.Tensor3D, W_hh: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const T = dH.shape[0];
    // tanh′ for every step at once
    const slopes = timeSlices(tf.sub(1, tf.square(H)) as tf.Tensor3D);
    const dHs = timeSlices(dH);
    const dZ: tf.Tensor2D[] = new Array(T);
    let carry: tf.Tensor2D | null = null;
    for (let t = T - 1; t >= 0; t--) {
      const g: tf.Tensor2D = carry ? tf.add<tf.Tensor2D>(dHs[t], carry) : dHs[t];
      dZ[t] = tf.mul(g, slopes[t]) as tf.Tensor2D;
      // ∂z_t/∂h_{t−1} = W_hhᵀ, so the carry is dz · W_hh: no transpose needed
      carry = tf.matMul(dZ[t], W_hh) as tf.Tensor2D;
    }
    return tf.stack(dZ) as tf.Tensor3D;
  });
}

/**
 * The loop as direct kernel calls, 4 per step:
 * s = σ(2·xp_t + h_{t−1}·2W_hhᵀ) (the matmul adds 2·xp_t as it writes), h_t = (s + s) − 1,
 * written straight into H.
 */
function forwardDirect(direct: WasmDirect, xp: tf.Tensor3D, W_hhT: tf.Tensor2D): tf.Tensor3D {
  const [T, B, d] = xp.shape;
  const n = B * d;
  const W2 = tf.mul(W_hhT, 2);
  const X2 = tf.mul(xp, 2);
  const H = direct.empty([T, B, d]) as tf.Tensor3D;
  const scratch = [direct.empty([B, d]), direct.empty([B, d]), direct.empty([B, d]), tf.ones([B, d])];
  const [z, sig, twice, one] = scratch.map((t) => direct.id(t));
  const w = direct.id(W2);
  try {
    for (let t = 0; t < T; t++) {
      const x = direct.view(X2, t * n, n);
      // h_{−1} = 0: the first step's doubled pre-activation is 2·xp_0 itself
      if (t > 0) {
        direct.matMulAdd(direct.view(H, (t - 1) * n, n), B, d, w, d, x, twice, z);
      }
      direct.tanhOfDoubled(t === 0 ? x : twice, n, sig, twice, one, direct.view(H, t * n, n));
    }
  } finally {
    direct.release();
    tf.dispose([W2, X2, ...scratch]);
  }
  return H;
}

/**
 * The backward loop as direct kernel calls, 2 per step:
 * g = ∂L/∂h_{t} + ∂z_{t+1} · W_hh (one matmul that adds as it writes), ∂z_t = g ⊙ (1 − h_t²).
 * Returns ∂L/∂z for all T.
 */
function backwardDirect(direct: WasmDirect, dH: tf.Tensor3D, H: tf.Tensor3D, W_hh: tf.Tensor2D): tf.Tensor3D {
  const [T, B, d] = dH.shape;
  const n = B * d;
  const slope = tf.sub(1, tf.square(H));
  const dZ = direct.empty([T, B, d]) as tf.Tensor3D;
  const scratch = [direct.empty([B, d]), direct.empty([B, d])];
  const [carry, g] = scratch.map((t) => direct.id(t));
  const w = direct.id(W_hh);
  try {
    for (let t = T - 1; t >= 0; t--) {
      const dz = direct.view(dZ, t * n, n);
      const dh = direct.view(dH, t * n, n);
      const sl = direct.view(slope, t * n, n);
      if (t === T - 1) direct.mul(dh, sl, n, dz);
      else {
        direct.matMulAdd(direct.view(dZ, (t + 1) * n, n), B, d, w, d, dh, g, carry);
        direct.mul(g, sl, n, dz);
      }
    }
  } finally {
    direct.release();
    tf.dispose([slope, ...scratch]);
  }
  return dZ;
}
