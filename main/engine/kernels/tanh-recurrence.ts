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
import { backwardOnWebgpu, forwardOnWebgpu, webgpuTanhReady } from './webgpu-tanh.js';
import { WasmDirect } from './wasm-direct.js';

/** tanh(z) = 2σ(2z) − 1: exact in real arithmetic; faster than tfjs-wasm's tanh kernel at d ≥ 256. */
export function fastTanh(z: tf.Tensor): tf.Tensor {
  return tf.sub(tf.mul(tf.sigmoid(tf.mul(z, 2)), 2), 1);
}

/**
 * h_t for t = 0…T−1 (time-major T × B × d) from the projected inputs xp and W_hh (d × d).
 * `probe` (zeros, T × B × d; see ForwardOptions.probe): its gradient is ∂L/∂h_t for every t.
 */
export function tanhRecurrence(xp: tf.Tensor3D, W_hh: tf.Tensor2D, probe?: tf.Tensor3D): tf.Tensor3D {
  return probe ? op(xp, W_hh, probe) : op(xp, W_hh);
}

const op = tf.customGrad(((...args: unknown[]) => {
  const save = args.pop() as tf.GradSaveFunc;
  const [xp, W_hh, probe] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor3D | undefined];
  const direct = WasmDirect.current();
  const gpu = webgpuTanhReady();
  const H = direct ? forwardDirect(direct, xp, W_hh) : gpu ? forwardOnWebgpu(xp, W_hh) : tf.tidy(() => forwardOps(xp, tf.transpose(W_hh)));
  save([H, W_hh]);
  return {
    value: H,
    gradFunc: (dH: tf.Tensor3D, saved: tf.Tensor[]) => {
      const [Hs, W] = saved as [tf.Tensor3D, tf.Tensor2D];
      const d = WasmDirect.current();
      // (a probe wants ∂L/∂h_t for every t too: the ops path, on webgpu as elsewhere)
      const { dZ, dHTotal } = d ? backwardDirect(d, dH, Hs, W, Boolean(probe)) : gpu && !probe ? { dZ: backwardOnWebgpu(dH, Hs, W), dHTotal: undefined } : backwardOps(dH, Hs, W, Boolean(probe));
      return [dZ, stateWeightGradient(dZ, Hs), ...(dHTotal ? [dHTotal] : [])];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...inputs: tf.Tensor[]) => tf.Tensor3D;

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

/** ∂L/∂z for all T, and with `total` ∂L/∂h_t (from outside plus the carry) for all T. */
type Backward = { dZ: tf.Tensor3D; dHTotal?: tf.Tensor3D };

function backwardOps(dH: tf.Tensor3D, H: tf.Tensor3D, W_hh: tf.Tensor2D, total: boolean): Backward {
  return tf.tidy(() => {
    const T = dH.shape[0];
    // tanh′ for every step at once
    const slopes = timeSlices(tf.sub(1, tf.square(H)) as tf.Tensor3D);
    const dHs = timeSlices(dH);
    const dZ: tf.Tensor2D[] = new Array(T);
    const gs: tf.Tensor2D[] = new Array(T);
    let carry: tf.Tensor2D | null = null;
    for (let t = T - 1; t >= 0; t--) {
      const g: tf.Tensor2D = (gs[t] = carry ? tf.add<tf.Tensor2D>(dHs[t], carry) : dHs[t]);
      dZ[t] = tf.mul(g, slopes[t]) as tf.Tensor2D;
      // ∂z_t/∂h_{t−1} = W_hhᵀ, so the carry is dz · W_hh: no transpose needed
      carry = tf.matMul(dZ[t], W_hh) as tf.Tensor2D;
    }
    return { dZ: tf.stack(dZ) as tf.Tensor3D, dHTotal: total ? (tf.stack(gs) as tf.Tensor3D) : undefined };
  });
}

/** The loop on wasm, 2 calls a step: z = xp_t + h_{t−1}·W_hhᵀ (one matmul), h_t = tanh z (cells-wat.mjs), straight into H. */
function forwardDirect(direct: WasmDirect, xp: tf.Tensor3D, W_hh: tf.Tensor2D): tf.Tensor3D {
  const [T, B, d] = xp.shape;
  const n = B * d;
  const H = direct.empty([T, B, d]) as tf.Tensor3D;
  const zBuffer = direct.empty([B, d]);
  const [z, w] = [direct.id(zBuffer), direct.transposed(W_hh)];
  try {
    for (let t = 0; t < T; t++) {
      const x = direct.view(xp, t * n, n);
      // h_{−1} = 0: the first step's pre-activation is xp_0 itself
      if (t > 0) direct.matMulAdd(direct.view(H, (t - 1) * n, n), B, d, w, d, x, z);
      direct.cell('tanhCell', { z: t > 0 ? z : x, h: direct.view(H, t * n, n) }, B, d);
    }
  } finally {
    direct.release();
    zBuffer.dispose();
  }
  return H;
}

/**
 * The backward loop on wasm, 2 calls a step: ∂z_t = (∂L/∂h_t + carry) ⊙ (1 − h_t²) (one fused
 * kernel), carry = ∂z_t · W_hh (one matmul). Returns ∂L/∂z for all T. Where ∂z_t is all exact
 * zeros (the gradient has underflowed, tens of steps back with small weights) the carry is zero
 * without the matmul.
 */
function backwardDirect(direct: WasmDirect, dH: tf.Tensor3D, H: tf.Tensor3D, W_hh: tf.Tensor2D, total: boolean): Backward {
  const [T, B, d] = dH.shape;
  const n = B * d;
  const dZ = direct.empty([T, B, d]) as tf.Tensor3D;
  const dHTotal = total ? (direct.empty([T, B, d]) as tf.Tensor3D) : undefined;
  const scratch = [direct.empty([B, d]), tf.zeros([B, d])];
  const [carry, zero] = scratch.map((t) => direct.id(t));
  const w = direct.id(W_hh);
  try {
    let carried = false;
    for (let t = T - 1; t >= 0; t--) {
      const dz = direct.view(dZ, t * n, n);
      const dh = direct.view(dH, t * n, n);
      const carryIn = carried ? carry : zero;
      if (dHTotal) direct.cell('sum', { a: dh, b: carryIn, out: direct.view(dHTotal, t * n, n) }, B, d);
      direct.cell('tanhCellBackward', { dh, carry: carryIn, h: direct.view(H, t * n, n), dz }, B, d);
      carried = t > 0 && !direct.isZero(dz, n);
      if (carried) direct.matMul(dz, B, d, w, d, carry);
    }
  } finally {
    direct.release();
    tf.dispose(scratch);
  }
  return { dZ, dHTotal };
}
