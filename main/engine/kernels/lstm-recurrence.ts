/**
 * The shared LSTM recurrence over all T steps (PyTorch's gate layout i, f, g, o) with a
 * hand-written backward (variable lengths: carry-lengths.ts).
 *
 *   [i, f, g, o] = xp_t + h_{t−1} W_hhᵀ  (both biases already in xp),
 *   c_t = σf ⊙ c_{t−1} + σi ⊙ tanh g,  h_t = σo ⊙ tanh c_t
 *
 * Backward, with gh = ∂L/∂h_t and gc = ∂L/∂c_t (from later steps):
 *   ∂c = gc + gh ⊙ σo ⊙ (1 − tanh² c);  ∂ô = gh ⊙ tanh c ⊙ σo(1 − σo);  ∂î = ∂c ⊙ tanh g ⊙ σi(1 − σi)
 *   ∂f̂ = ∂c ⊙ c_{t−1} ⊙ σf(1 − σf);  ∂ĝ = ∂c ⊙ σi ⊙ (1 − tanh² g)
 *   carry_h = [∂î, ∂f̂, ∂ĝ, ∂ô] · W_hh;  carry_c = ∂c ⊙ σf
 * On wasm a step is one matmul for all four gates (the SIMD gemm adds xp_t as it writes) and
 * one fused pointwise kernel (cells-wat.mjs), which reads the gates where they lie and, going
 * back, writes the gate gradients straight into the [∂i ∂f ∂g ∂o] rows the next matmul reads.
 * Checked against nn.LSTM's fixture and autodiff.
 */
import * as tf from '@tensorflow/tfjs';
import { stateWeightGradient } from './products.js';
import { previous, timeSlices } from './time-slices.js';
import { WasmDirect } from './wasm-direct.js';
import { lstmBackwardOnWebgpu, lstmForwardOnWebgpu, unpackLstmPlanes } from './webgpu-lstm.js';
import { CHECK_SIZES, gap, inEveryLayout, ProgramCheck } from './webgpu-programs.js';

type Saved = { H: tf.Tensor3D; C: tf.Tensor3D; SI: tf.Tensor3D; SF: tf.Tensor3D; TG: tf.Tensor3D; SO: tf.Tensor3D; TC: tf.Tensor3D };

/**
 * h_t for t = 0…T−1 (time-major) from xp (T × B × 4d, both biases included) and W_hh (4d × d).
 * `probe` (zeros, T × B × d; see ForwardOptions.probe): its gradient is ∂L/∂h_t for every t.
 */
export function lstmRecurrence(xp: tf.Tensor3D, W_hh: tf.Tensor2D, probe?: tf.Tensor3D): tf.Tensor3D {
  return probe ? op(xp, W_hh, probe) : op(xp, W_hh);
}

const op = tf.customGrad(((...args: unknown[]) => {
  const save = args.pop() as tf.GradSaveFunc;
  const [xp, W_hh, probe] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor3D | undefined];
  const direct = WasmDirect.current();
  if (!direct && webgpuLstmReady()) {
    // the planes stay packed as the program wrote them, for its backward
    const { H, packed } = lstmForwardOnWebgpu(xp, W_hh);
    save([H, packed, W_hh]);
    return {
      value: H,
      gradFunc: (dH: tf.Tensor3D, [Hs, P, W]: tf.Tensor[]) =>
        // (a probe wants ∂L/∂h_t for every t too: the ops path, on webgpu as elsewhere)
        gradients(Hs as tf.Tensor3D, probe ? backwardOps(dH, unpackLstmPlanes(P as tf.Tensor4D), W as tf.Tensor2D, true) : { dG: lstmBackwardOnWebgpu(dH, P as tf.Tensor4D, W as tf.Tensor2D) }),
    };
  }
  const s = direct ? forwardDirect(direct, xp, W_hh) : forwardOps(xp, W_hh);
  save([s.H, s.C, s.SI, s.SF, s.TG, s.SO, s.TC, W_hh]);
  return {
    value: s.H,
    gradFunc: (dH: tf.Tensor3D, saved: tf.Tensor[]) => {
      const [H, C, SI, SF, TG, SO, TC, W] = saved as tf.Tensor3D[];
      const s: Saved = { H, C, SI, SF, TG, SO, TC };
      const d = WasmDirect.current();
      return gradients(H, d ? backwardDirect(d, dH, s, W as unknown as tf.Tensor2D, Boolean(probe)) : backwardOps(dH, s, W as unknown as tf.Tensor2D, Boolean(probe)));
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...inputs: tf.Tensor[]) => tf.Tensor3D;

/** Gate gradients for all T, and with `total` ∂L/∂h_t (from outside plus the carry) for all T. */
type Backward = { dG: tf.Tensor3D; dHTotal?: tf.Tensor3D };

/** The op's gradients, from its backward's: ∂xp, ∂W_hh, and ∂probe where asked. */
function gradients(H: tf.Tensor3D, { dG, dHTotal }: Backward): tf.Tensor[] {
  return [dG, stateWeightGradient(dG, H), ...(dHTotal ? [dHTotal] : [])];
}

/** The loop as tfjs ops (cpu, tensorflow backends). */
function forwardOps(xp: tf.Tensor3D, W_hh: tf.Tensor2D): Saved {
  return tf.tidy(() => {
    const [, B] = xp.shape;
    const d = W_hh.shape[1];
    const W_hhT = tf.transpose(W_hh);
    let h = tf.zeros([B, d]) as tf.Tensor2D;
    let c = tf.zeros([B, d]) as tf.Tensor2D;
    const keep = { H: [] as tf.Tensor[], C: [] as tf.Tensor[], SI: [] as tf.Tensor[], SF: [] as tf.Tensor[], TG: [] as tf.Tensor[], SO: [] as tf.Tensor[], TC: [] as tf.Tensor[] };
    for (const x of timeSlices(xp)) {
      const [i, f, g, o] = tf.split(tf.add(x, tf.matMul(h, W_hhT)), 4, 1);
      const si = tf.sigmoid(i);
      const sf = tf.sigmoid(f);
      const tg = tf.tanh(g);
      const so = tf.sigmoid(o);
      c = tf.add(tf.mul(sf, c), tf.mul(si, tg)) as tf.Tensor2D;
      const tc = tf.tanh(c);
      h = tf.mul(so, tc) as tf.Tensor2D;
      keep.H.push(h);
      keep.C.push(c);
      keep.SI.push(si);
      keep.SF.push(sf);
      keep.TG.push(tg);
      keep.SO.push(so);
      keep.TC.push(tc);
    }
    const stack = (xs: tf.Tensor[]) => tf.stack(xs) as tf.Tensor3D;
    return { H: stack(keep.H), C: stack(keep.C), SI: stack(keep.SI), SF: stack(keep.SF), TG: stack(keep.TG), SO: stack(keep.SO), TC: stack(keep.TC) };
  });
}

function backwardOps(dH: tf.Tensor3D, s: Saved, W: tf.Tensor2D, total: boolean): Backward {
  return tf.tidy(() => {
    const T = dH.shape[0];
    // every factor that does not depend on the incoming gradient, for all T at once
    const P = tf.mul(s.SO, tf.sub(1, tf.square(s.TC))); // ∂c += gh ⊙ P
    const Q = tf.mul(s.TC, tf.mul(s.SO, tf.sub(1, s.SO))); // ∂ô = gh ⊙ Q
    const Ri = tf.mul(s.TG, tf.mul(s.SI, tf.sub(1, s.SI))); // ∂î = ∂c ⊙ Ri
    const Rf = tf.mul(previous(s.C), tf.mul(s.SF, tf.sub(1, s.SF))); // ∂f̂ = ∂c ⊙ Rf
    const Rg = tf.mul(s.SI, tf.sub(1, tf.square(s.TG))); // ∂ĝ = ∂c ⊙ Rg
    const [dHs, ps, qs, ris, rfs, rgs, sf] = [dH, P, Q, Ri, Rf, Rg, s.SF].map((x) => timeSlices(x as tf.Tensor3D));
    const dG: tf.Tensor2D[] = new Array(T);
    const ghs: tf.Tensor2D[] = new Array(T);
    let carryH: tf.Tensor2D | null = null;
    let carryC: tf.Tensor2D | null = null;
    for (let t = T - 1; t >= 0; t--) {
      const gh: tf.Tensor2D = (ghs[t] = carryH ? tf.add<tf.Tensor2D>(dHs[t], carryH) : dHs[t]);
      const fromH = tf.mul(gh, ps[t]);
      const dc = carryC ? tf.add(carryC, fromH) : fromH;
      dG[t] = tf.concat([tf.mul(dc, ris[t]), tf.mul(dc, rfs[t]), tf.mul(dc, rgs[t]), tf.mul(gh, qs[t])], 1) as tf.Tensor2D;
      carryH = tf.matMul(dG[t], W) as tf.Tensor2D;
      carryC = tf.mul(dc, sf[t]) as tf.Tensor2D;
    }
    return { dG: tf.stack(dG) as tf.Tensor3D, dHTotal: total ? (tf.stack(ghs) as tf.Tensor3D) : undefined };
  });
}

/** The loop on wasm: per step one matmul (h_{t−1}·W_hhᵀ + xp_t, all gates) and one fused cell kernel. */
function forwardDirect(direct: WasmDirect, xp: tf.Tensor3D, W_hh: tf.Tensor2D): Saved {
  const [T, B, G] = xp.shape;
  const d = W_hh.shape[1];
  const n = B * d;
  const big = () => direct.empty([T, B, d]) as tf.Tensor3D;
  const out: Saved = { H: big(), C: big(), SI: big(), SF: big(), TG: big(), SO: big(), TC: big() };
  const scratch = [direct.empty([B, G]), tf.zeros([B, d])];
  const [pre, zero] = scratch.map((t) => direct.id(t));
  const w = direct.transposed(W_hh);
  const at = (x: tf.Tensor, t: number) => direct.view(x, t * n, n);
  try {
    for (let t = 0; t < T; t++) {
      const x = direct.view(xp, t * B * G, B * G);
      // h_{−1} = 0: the first step's pre-activations are xp_0 itself
      if (t > 0) direct.matMulAdd(at(out.H, t - 1), B, d, w, G, x, pre);
      direct.cell('lstmCell', { pre: t > 0 ? pre : x, cPrev: t > 0 ? at(out.C, t - 1) : zero, c: at(out.C, t), h: at(out.H, t), si: at(out.SI, t), sf: at(out.SF, t), tg: at(out.TG, t), so: at(out.SO, t), tc: at(out.TC, t) }, B, d);
    }
  } finally {
    direct.release();
    tf.dispose(scratch);
  }
  return out;
}

/** The backward loop on wasm: per step one fused kernel (gate gradients into ∂G_t) and one matmul (carry_h = ∂G_t · W_hh). */
function backwardDirect(direct: WasmDirect, dH: tf.Tensor3D, s: Saved, W: tf.Tensor2D, total: boolean): Backward {
  const [T, B, d] = dH.shape;
  const n = B * d;
  const G = 4 * d;
  const dG = direct.empty([T, B, G]) as tf.Tensor3D;
  const dHTotal = total ? (direct.empty([T, B, d]) as tf.Tensor3D) : undefined;
  // carry_c starts at 0 and is updated in place by the kernel
  const scratch = [direct.empty([B, d]), tf.zeros([B, d]), tf.zeros([B, d])];
  const [carryH, carryC, zero] = scratch.map((t) => direct.id(t));
  const w = direct.id(W);
  const at = (x: tf.Tensor, t: number) => direct.view(x, t * n, n);
  try {
    for (let t = T - 1; t >= 0; t--) {
      const dGt = direct.view(dG, t * B * G, B * G);
      const carryIn = t < T - 1 ? carryH : zero;
      if (dHTotal) direct.cell('sum', { a: at(dH, t), b: carryIn, out: at(dHTotal, t) }, B, d);
      direct.cell('lstmCellBackward', { dh: at(dH, t), carryH: carryIn, carryC, si: at(s.SI, t), sf: at(s.SF, t), tg: at(s.TG, t), so: at(s.SO, t), tc: at(s.TC, t), cPrev: t > 0 ? at(s.C, t - 1) : zero, dGates: dGt }, B, d);
      if (t > 0) direct.matMul(dGt, B, G, w, d, carryH);
    }
  } finally {
    direct.release();
    tf.dispose(scratch);
  }
  return { dG, dHTotal };
}

/** The LSTM's webgpu programs (webgpu-lstm.ts) against the ops above, once per process (ProgramCheck). */
const gpuCheck = new ProgramCheck(inEveryLayout(() => {
  const { T, B, d } = CHECK_SIZES;
  const xp = tf.randomUniform([T, B, 4 * d], -1, 1, 'float32', 21) as tf.Tensor3D;
  const W = tf.randomUniform([4 * d, d], -0.1, 0.1, 'float32', 22) as tf.Tensor2D;
  const dH = tf.randomUniform([T, B, d], -1, 1, 'float32', 23) as tf.Tensor3D;
  const [mine, theirs] = [lstmForwardOnWebgpu(xp, W), forwardOps(xp, W)];
  return [gap(mine.H, theirs.H), gap(unpackLstmPlanes(mine.packed).C, theirs.C), gap(lstmBackwardOnWebgpu(dH, mine.packed, W), backwardOps(dH, theirs, W, false).dG)];
}));

export const verifyWebgpuLstm = (): Promise<boolean> => gpuCheck.verify();

/** True once verifyWebgpuLstm passed in this process (and the programs are wanted, on webgpu). */
export const webgpuLstmReady = (): boolean => gpuCheck.ready();
