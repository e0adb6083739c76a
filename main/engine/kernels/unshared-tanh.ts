/**
 * The unshared tanh recurrence over all T steps, h_t = tanh(x_t W_xh^(t)ᵀ + b^(t) + h_{t−1} W_hh^(t)ᵀ),
 * with a hand-written backward (variable lengths: carry-lengths.ts). Every position's weights
 * stay separate inputs and get separate gradients; per step the backward is
 *   ∂z_t = g_t ⊙ (1 − h_t²),  ∂x_t = ∂z_t W_xh^(t),  carry = ∂z_t W_hh^(t),
 *   ∂W_xh^(t) = ∂z_tᵀ x_t,  ∂W_hh^(t) = ∂z_tᵀ h_{t−1},  ∂b^(t) = Σ_batch ∂z_t
 * with explicit transposes instead of matMul flags (tfjs-wasm's slow path); on wasm the loops
 * are direct kernel calls on views of the stacked weights (wasm-direct.ts). Checked against autodiff.
 */
import * as tf from '@tensorflow/tfjs';
import { fastTanh } from './tanh-recurrence.js';
import { previous, timeSlices } from './time-slices.js';
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
    save([H, xT, ...flat]);
    return {
      value: H,
      gradFunc: (dH: tf.Tensor3D, saved: tf.Tensor[]) => {
        const [Hs, xs, ...ws] = saved;
        const sw = Array.from({ length: T }, (_, t) => ({ W_xh: ws[3 * t] as tf.Tensor2D, W_hh: ws[3 * t + 1] as tf.Tensor2D, b: ws[3 * t + 2] as tf.Tensor1D }));
        const d = WasmDirect.current();
        return d ? backwardDirect(d, dH, Hs as tf.Tensor3D, xs as tf.Tensor3D, sw, inputGrad) : backwardOps(dH, Hs as tf.Tensor3D, xs as tf.Tensor3D, sw, inputGrad);
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
 * On wasm the loops run in transposed layout (states d × B): every position's weights are the
 * left operand of their matmul, which XNNPACK uses as is, and only the narrow B-wide operands
 * are packed. As the right operand (the usual h·Wᵀ) each position's d × d weights would be
 * packed anew every call: measured ≈ 120 µs a matmul at d = 128, against ≈ 23 µs for a d × B one.
 */
function forwardDirect(direct: WasmDirect, x: tf.Tensor3D, w: StepWeights[]): tf.Tensor3D {
  const [T, B, n] = x.shape;
  const d = w[0].W_hh.shape[0];
  const db = d * B;
  const XT = tf.transpose(x, [0, 2, 1]);
  // b^(t) repeated over the B columns, as one (T·d × 1)(1 × B) product: tfjs-wasm's Tile took 13 ms here
  const biasT = tf.reshape(tf.matMul(tf.reshape(tf.stack(w.map((s) => s.b)), [T * d, 1]), tf.ones([1, B])), [T, d, B]);
  const HT = direct.empty([T, d, B]) as tf.Tensor3D;
  const scratch = [direct.empty([d, B]), direct.empty([d, B]), direct.empty([d, B]), tf.ones([d, B])];
  const [a, c, s, one] = scratch.map((t) => direct.id(t));
  try {
    for (let t = 0; t < T; t++) {
      // zᵀ = W_xh^(t) x_tᵀ + W_hh^(t) h_{t−1}ᵀ + b^(t), then hᵀ = 2σ(2z) − 1
      const xt = direct.view(XT, t * n * B, n * B);
      direct.matMul(direct.id(w[t].W_xh), d, n, xt, B, a);
      direct.drop(xt);
      if (t > 0) {
        const hp = direct.view(HT, (t - 1) * db, db);
        direct.matMul(direct.id(w[t].W_hh), d, d, hp, B, c);
        direct.drop(hp);
        direct.add(a, c, db, s);
        direct.add(s, direct.view(biasT, t * db, db), db, c);
      } else direct.add(a, direct.view(biasT, 0, db), db, c);
      direct.add(c, c, db, a);
      direct.tanhOfDoubled(a, db, s, c, one, direct.view(HT, t * db, db));
    }
  } finally {
    direct.release();
    tf.dispose([XT, biasT, ...scratch]);
  }
  const H = tf.transpose(HT, [0, 2, 1]) as tf.Tensor3D;
  HT.dispose();
  return H;
}

/** Backward on wasm, transposed layout as the forward: 4 calls a step, then 2 for the weight gradients. */
function backwardDirect(direct: WasmDirect, dH: tf.Tensor3D, H: tf.Tensor3D, x: tf.Tensor3D, w: StepWeights[], inputGrad: boolean): tf.Tensor[] {
  const [T, B, d] = dH.shape;
  const n = x.shape[2];
  const db = d * B;
  const HT = tf.transpose(H, [0, 2, 1]);
  const dHT = tf.transpose(dH, [0, 2, 1]);
  const slopeT = tf.sub(1, tf.square(HT));
  // left operands of the backward products: W_hh^(t)ᵀ and W_xh^(t)ᵀ, all positions in one transpose each
  const WhT = tf.transpose(tf.stack(w.map((s) => s.W_hh)), [0, 2, 1]);
  const WxT = inputGrad ? tf.transpose(tf.stack(w.map((s) => s.W_xh)), [0, 2, 1]) : tf.zeros([0]);
  const DZT = direct.empty([T, d, B]);
  const DXT = direct.empty(inputGrad ? [T, n, B] : [0]);
  // each position's gradients are written straight into their own tensors (no split afterwards)
  const grads = w.map(() => [direct.empty([d, n]), direct.empty([d, d]), direct.empty([d])]);
  const Hprev = previous(H);
  const scratch = [direct.empty([d, B]), direct.empty([d, B]), tf.ones([B, 1])];
  const [carry, g, ones] = scratch.map((t) => direct.id(t));
  const made: tf.Tensor[] = [HT, dHT, slopeT, WhT, WxT, DZT, DXT, Hprev, ...scratch];
  try {
    for (let t = T - 1; t >= 0; t--) {
      const dzT = direct.view(DZT, t * db, db);
      const slope = direct.view(slopeT, t * db, db);
      if (t === T - 1) direct.mul(direct.view(dHT, t * db, db), slope, db, dzT);
      else {
        direct.add(direct.view(dHT, t * db, db), carry, db, g);
        direct.mul(g, slope, db, dzT);
      }
      // ∂x_tᵀ = W_xh^(t)ᵀ ∂z_tᵀ and carryᵀ = W_hh^(t)ᵀ ∂z_tᵀ: one packed right operand for both
      if (inputGrad) direct.matMul(direct.view(WxT, t * n * d, n * d), n, d, dzT, B, direct.view(DXT, t * n * B, n * B));
      if (t > 0) direct.matMul(direct.view(WhT, t * d * d, d * d), d, d, dzT, B, carry);
      direct.drop(dzT);
      // ∂W^(t) = ∂z_tᵀ · (x_t | h_{t−1}),  ∂b^(t) = ∂z_tᵀ · 1
      const dz = direct.view(DZT, t * db, db);
      const [gx, gh, gb] = grads[t].map((x) => direct.id(x));
      let b = direct.view(x, t * B * n, B * n);
      direct.matMul(dz, d, B, b, n, gx);
      direct.drop(b);
      b = direct.view(Hprev, t * B * d, B * d);
      direct.matMul(dz, d, B, b, d, gh);
      direct.drop(b);
      direct.matMul(dz, d, B, ones, 1, gb);
    }
    return [inputGrad ? tf.transpose(DXT, [0, 2, 1]) : tf.zerosLike(x), ...grads.flat()];
  } finally {
    direct.release();
    tf.dispose(made);
  }
}
