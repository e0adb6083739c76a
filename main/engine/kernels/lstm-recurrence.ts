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
 * Direct kernel calls on wasm as in the GRU (one matmul per gate block). Checked against
 * nn.LSTM's fixture and autodiff.
 */
import * as tf from '@tensorflow/tfjs';
import { stateWeightGradient } from './products.js';
import { previous, timeSlices } from './time-slices.js';
import { WasmDirect } from './wasm-direct.js';

type Saved = { H: tf.Tensor3D; C: tf.Tensor3D; SI: tf.Tensor3D; SF: tf.Tensor3D; TG: tf.Tensor3D; SO: tf.Tensor3D; TC: tf.Tensor3D };
/** factors independent of the incoming gradient, for all T at once (one multiply each per step) */
type Factors = { P: tf.Tensor3D; Q: tf.Tensor3D; Ri: tf.Tensor3D; Rf: tf.Tensor3D; Rg: tf.Tensor3D; SF: tf.Tensor3D };

/** h_t for t = 0…T−1 (time-major) from xp (T × B × 4d, both biases included) and W_hh (4d × d). */
export const lstmRecurrence = tf.customGrad(((xp: tf.Tensor3D, W_hh: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const direct = WasmDirect.current();
  const s = direct ? forwardDirect(direct, xp, W_hh) : forwardOps(xp, W_hh);
  save([s.H, s.C, s.SI, s.SF, s.TG, s.SO, s.TC, W_hh]);
  return {
    value: s.H,
    gradFunc: (dH: tf.Tensor3D, saved: tf.Tensor[]) => {
      const [H, C, SI, SF, TG, SO, TC, W] = saved as tf.Tensor3D[];
      const f: Factors = {
        P: tf.mul(SO, tf.sub(1, tf.square(TC))), // ∂c += gh ⊙ P
        Q: tf.mul(TC, tf.mul(SO, tf.sub(1, SO))), // ∂ô = gh ⊙ Q
        Ri: tf.mul(TG, tf.mul(SI, tf.sub(1, SI))), // ∂î = ∂c ⊙ Ri
        Rf: tf.mul(previous(C), tf.mul(SF, tf.sub(1, SF))), // ∂f̂ = ∂c ⊙ Rf
        Rg: tf.mul(SI, tf.sub(1, tf.square(TG))), // ∂ĝ = ∂c ⊙ Rg
        SF,
      };
      const d = WasmDirect.current();
      const dG = d ? backwardDirect(d, dH, f, W as unknown as tf.Tensor2D) : backwardOps(dH, f, W as unknown as tf.Tensor2D);
      return [dG, stateWeightGradient(dG, H)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (xp: tf.Tensor3D, W_hh: tf.Tensor2D) => tf.Tensor3D;

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

function backwardOps(dH: tf.Tensor3D, f: Factors, W: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const T = dH.shape[0];
    const [dHs, ps, qs, ris, rfs, rgs, sf] = [dH, f.P, f.Q, f.Ri, f.Rf, f.Rg, f.SF].map((x) => timeSlices(x));
    const dG: tf.Tensor2D[] = new Array(T);
    let carryH: tf.Tensor2D | null = null;
    let carryC: tf.Tensor2D | null = null;
    for (let t = T - 1; t >= 0; t--) {
      const gh: tf.Tensor2D = carryH ? tf.add<tf.Tensor2D>(dHs[t], carryH) : dHs[t];
      const fromH = tf.mul(gh, ps[t]);
      const dc = carryC ? tf.add(carryC, fromH) : fromH;
      dG[t] = tf.concat([tf.mul(dc, ris[t]), tf.mul(dc, rfs[t]), tf.mul(dc, rgs[t]), tf.mul(gh, qs[t])], 1) as tf.Tensor2D;
      carryH = tf.matMul(dG[t], W) as tf.Tensor2D;
      carryC = tf.mul(dc, sf[t]) as tf.Tensor2D;
    }
    return tf.stack(dG) as tf.Tensor3D;
  });
}

/**
 * The loop as direct kernel calls (19 per step: each matmul adds its addend as it writes); tanh as 2σ(2x) − 1, with g's doubling
 * folded into its inputs and weights.
 */
function forwardDirect(direct: WasmDirect, xp: tf.Tensor3D, W_hh: tf.Tensor2D): Saved {
  const [T, B] = xp.shape;
  const d = W_hh.shape[1];
  const n = B * d;
  const [xI, xF, xG, xO] = tf.split(xp, 4, 2);
  const xG2 = tf.mul(xG, 2);
  const blocks = tf.split(W_hh, 4, 0);
  const weights = [tf.transpose(blocks[0]), tf.transpose(blocks[1]), tf.mul(tf.transpose(blocks[2]), 2), tf.transpose(blocks[3])];
  const big = () => direct.empty([T, B, d]) as tf.Tensor3D;
  const out: Saved = { H: big(), C: big(), SI: big(), SF: big(), TG: big(), SO: big(), TC: big() };
  const scratch = [direct.empty([B, d]), direct.empty([B, d]), direct.empty([B, d]), tf.zeros([B, d]), tf.ones([B, d])];
  const [mm, tmp, tmp2, zero, one] = scratch.map((t) => direct.id(t));
  const [wi, wf, wg, wo] = weights.map((w) => direct.id(w));
  const at = (x: tf.Tensor, t: number) => direct.view(x, t * n, n);
  try {
    for (let t = 0; t < T; t++) {
      const h = t === 0 ? zero : at(out.H, t - 1);
      const cPrev = t === 0 ? zero : at(out.C, t - 1);
      const [si, sf, tg, so, c, tc] = [at(out.SI, t), at(out.SF, t), at(out.TG, t), at(out.SO, t), at(out.C, t), at(out.TC, t)];
      direct.matMulAdd(h, B, d, wi, d, at(xI, t), tmp, mm);
      direct.sigmoid(tmp, si);
      direct.matMulAdd(h, B, d, wf, d, at(xF, t), tmp, mm);
      direct.sigmoid(tmp, sf);
      direct.matMulAdd(h, B, d, wg, d, at(xG2, t), tmp2, mm);
      direct.tanhOfDoubled(tmp2, n, tmp, tmp2, one, tg);
      direct.matMulAdd(h, B, d, wo, d, at(xO, t), tmp, mm);
      direct.sigmoid(tmp, so);
      // c_t = σf ⊙ c_{t−1} + σi ⊙ tanh g;  h_t = σo ⊙ tanh c_t
      direct.mul(sf, cPrev, n, tmp);
      direct.mul(si, tg, n, tmp2);
      direct.add(tmp, tmp2, n, c);
      direct.add(c, c, n, mm);
      direct.tanhOfDoubled(mm, n, tmp, tmp2, one, tc);
      direct.mul(so, tc, n, at(out.H, t));
    }
  } finally {
    direct.release();
    tf.dispose([xI, xF, xG, xO, xG2, ...blocks, ...weights, ...scratch]);
  }
  return out;
}

/** The backward loop as direct kernel calls (12 per step); ∂gates assembled after it. */
function backwardDirect(direct: WasmDirect, dH: tf.Tensor3D, f: Factors, W: tf.Tensor2D): tf.Tensor3D {
  const [T, B, d] = dH.shape;
  const n = B * d;
  const parts = [0, 1, 2, 3].map(() => direct.empty([T, B, d]));
  const [DI, DF, DG, DO] = parts;
  const blocks = tf.split(W, 4, 0);
  const [wi, wf, wg, wo] = blocks.map((w) => direct.id(w));
  const scratch = [0, 1, 2, 3, 4, 5, 6].map(() => direct.empty([B, d]));
  const [carryH, carryC, gh, dc, mm, c0, c1] = scratch.map((t) => direct.id(t));
  const at = (x: tf.Tensor, t: number) => direct.view(x, t * n, n);
  try {
    for (let t = T - 1; t >= 0; t--) {
      const last = t === T - 1;
      const g = last ? at(dH, t) : gh;
      if (!last) direct.add(at(dH, t), carryH, n, gh);
      // ∂c = carry_c + gh ⊙ P
      direct.mul(g, at(f.P, t), n, last ? dc : c0);
      if (!last) direct.add(carryC, c0, n, dc);
      const [di, df, dg, dO] = [at(DI, t), at(DF, t), at(DG, t), at(DO, t)];
      direct.mul(dc, at(f.Ri, t), n, di);
      direct.mul(dc, at(f.Rf, t), n, df);
      direct.mul(dc, at(f.Rg, t), n, dg);
      direct.mul(g, at(f.Q, t), n, dO);
      direct.mul(dc, at(f.SF, t), n, carryC);
      // carry_h = ∂î·W_i + ∂f̂·W_f + ∂ĝ·W_g + ∂ô·W_o
      direct.matMulSum([[di, wi], [df, wf], [dg, wg], [dO, wo]], B, d, d, null, carryH, [mm, c0, c1]);
    }
  } finally {
    direct.release();
    tf.dispose([...blocks, ...scratch]);
  }
  const dG = tf.concat(parts, 2) as tf.Tensor3D;
  tf.dispose(parts);
  return dG;
}
