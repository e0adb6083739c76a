/**
 * The unshared tanh recurrence over all T steps, h_t = tanh(x_t W_xh^(t)ᵀ + b^(t) + h_{t−1} W_hh^(t)ᵀ),
 * with a hand-written backward (variable lengths: carry-lengths.ts). Every position's weights
 * stay separate inputs and get separate gradients; per step the backward is
 *   ∂z_t = g_t ⊙ (1 − h_t²),  ∂x_t = ∂z_t W_xh^(t),  carry = ∂z_t W_hh^(t),
 *   ∂W_xh^(t) = ∂z_tᵀ x_t,  ∂W_hh^(t) = ∂z_tᵀ h_{t−1},  ∂b^(t) = Σ_batch ∂z_t
 * with explicit transposes instead of matMul flags (tfjs-wasm's slow path); on wasm the loops
 * are direct kernel calls (wasm-direct.ts) on each position's own weights, read where they lie.
 * Checked against autodiff.
 */
import * as tf from '@tensorflow/tfjs';
import { fastTanh } from './tanh-recurrence.js';
import { timeSlices } from './time-slices.js';
import { WasmDirect } from './wasm-direct.js';

export interface StepWeights {
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
export function unsharedTanh(x: tf.Tensor3D, steps: StepWeights[], inputGrad = true): tf.Tensor3D {
  const T = x.shape[0];
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [xT, ...flat] = args as tf.Tensor[];
    const w = Array.from({ length: T }, (_, t) => ({ W_xh: flat[3 * t] as tf.Tensor2D, W_hh: flat[3 * t + 1] as tf.Tensor2D, b: flat[3 * t + 2] as tf.Tensor1D }));
    const direct = WasmDirect.current();
    const H = direct ? forwardDirect(direct, xT as tf.Tensor3D, w) : forwardOps(xT as tf.Tensor3D, w);
    // saving clones a tensor (tfjs-wasm copies it), so the weights that are variables — they
    // stay as they are until the optimizer runs after the backward — are used directly: saving
    // T·(d² + d·n) floats a step cost ≈ 5 ms at config B. Everything else is saved.
    const isVariable = (t: tf.Tensor) => t instanceof tf.Variable;
    save([H, xT, ...flat.filter((t) => !isVariable(t))]);
    return {
      value: H,
      gradFunc: (dH: tf.Tensor3D, saved: tf.Tensor[]) => {
        const [Hs, xs, ...rest] = saved as [tf.Tensor3D, tf.Tensor3D, ...tf.Tensor[]];
        const ws = flat.map((t) => (isVariable(t) ? t : rest.shift()!));
        const sw = Array.from({ length: T }, (_, t) => ({ W_xh: ws[3 * t] as tf.Tensor2D, W_hh: ws[3 * t + 1] as tf.Tensor2D, b: ws[3 * t + 2] as tf.Tensor1D }));
        const d = WasmDirect.current();
        return d ? backwardDirect(d, dH, Hs, xs, sw, inputGrad) : backwardOps(dH, Hs, xs, sw, inputGrad);
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...args: tf.Tensor[]) => tf.Tensor3D;
  return op(x, ...steps.flatMap((s) => [s.W_xh, s.W_hh, s.b]));
}

/** The loop as tfjs ops (cpu, tensorflow backends). */
function forwardOps(x: tf.Tensor3D, w: StepWeights[]): tf.Tensor3D {
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

function backwardOps(dH: tf.Tensor3D, H: tf.Tensor3D, x: tf.Tensor3D, w: StepWeights[], inputGrad: boolean): tf.Tensor[] {
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

/**
 * The forward on wasm runs in transposed layout (states d × B): each position's weights are the
 * left operand of their products, read in place; only the narrow B-wide operands are packed.
 * 3 calls a step: a = W_xh^(t)·x_tᵀ + b^(t), z = W_hh^(t)·h_{t−1}ᵀ + a, hᵀ = tanh z.
 */
function forwardDirect(direct: WasmDirect, x: tf.Tensor3D, w: StepWeights[]): tf.Tensor3D {
  const [T, B, n] = x.shape;
  const d = w[0].W_hh.shape[0];
  const db = d * B;
  const XT = tf.transpose(x, [0, 2, 1]);
  // b^(t) repeated over the B columns, as one (T·d × 1)(1 × B) product: tfjs-wasm's Tile took 13 ms here
  const biasT = tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(tf.stack(w.map((s) => s.b)), [T * d, 1]), tf.ones([1, B])), [T, d, B]));
  const HT = direct.empty([T, d, B]) as tf.Tensor3D;
  const zBuffer = direct.empty([d, B]);
  const z = direct.id(zBuffer);
  try {
    for (let t = 0; t < T; t++) {
      direct.matMulAdd(direct.id(w[t].W_xh), d, n, direct.view(XT, t * n * B, n * B), B, direct.view(biasT, t * db, db), z);
      if (t > 0) direct.matMulAdd(direct.id(w[t].W_hh), d, d, direct.view(HT, (t - 1) * db, db), B, z, z);
      direct.cell('tanhCell', { z, h: direct.view(HT, t * db, db) }, d, B);
    }
  } finally {
    direct.release();
    tf.dispose([XT, biasT, zBuffer]);
  }
  const H = tf.transpose(HT, [0, 2, 1]) as tf.Tensor3D;
  HT.dispose();
  return H;
}

/**
 * The backward on wasm in plain layout (B × d), where every product takes a position's weights
 * as they are stored (no transposes, no stacking): per step one fused kernel for ∂z_t, then
 * ∂x_t = ∂z_t·W_xh^(t), carry = ∂z_t·W_hh^(t), ∂W_xh^(t) = ∂z_tᵀ·x_t, ∂W_hh^(t) = ∂z_tᵀ·h_{t−1},
 * ∂b^(t) = Σ_batch ∂z_t, each written straight into its own gradient tensor.
 */
function backwardDirect(direct: WasmDirect, dH: tf.Tensor3D, H: tf.Tensor3D, x: tf.Tensor3D, w: StepWeights[], inputGrad: boolean): tf.Tensor[] {
  const [T, B, d] = dH.shape;
  const n = x.shape[2];
  const nd = B * d;
  const DX = direct.empty(inputGrad ? [T, B, n] : [0]);
  // h_{−1} = 0, so ∂W_hh^(0) is zeros; every other gradient is written in full below
  const grads = w.map((_, t) => [direct.empty([d, n]), t > 0 ? direct.empty([d, d]) : tf.zeros([d, d]), direct.empty([d])]);
  const scratch = [direct.empty([B, d]), direct.empty([B, d]), tf.zeros([B, d])];
  const [carry, dz, zero] = scratch.map((t) => direct.id(t));
  // each position's weights as views: used once each, so not packed and kept (a view is packed per call)
  const weight = (t: tf.Tensor) => direct.view(t, 0, t.size);
  try {
    for (let t = T - 1; t >= 0; t--) {
      direct.cell('tanhCellBackward', { dh: direct.view(dH, t * nd, nd), carry: t < T - 1 ? carry : zero, h: direct.view(H, t * nd, nd), dz }, B, d);
      const [gx, gh, gb] = grads[t].map((g) => direct.id(g));
      direct.matMulTransposedA(dz, B, d, direct.view(x, t * B * n, B * n), n, gx);
      if (t > 0) direct.matMulTransposedA(dz, B, d, direct.view(H, (t - 1) * nd, nd), d, gh);
      direct.columnSums(dz, B, d, gb);
      if (inputGrad) direct.matMul(dz, B, d, weight(w[t].W_xh), n, direct.view(DX, t * B * n, B * n));
      if (t > 0) direct.matMul(dz, B, d, weight(w[t].W_hh), d, carry);
    }
    return [inputGrad ? DX : tf.zerosLike(x), ...grads.flat()];
  } finally {
    direct.release();
    tf.dispose(scratch);
  }
}
