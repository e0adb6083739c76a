/**
 * The shared GRU recurrence over all T steps (PyTorch's gate layout r, z, n) with a
 * hand-written backward pass (variable lengths: carry-lengths.ts).
 *
 *   r = σ(xr + hr),  z = σ(xz + hz),  n = tanh(xn + r ⊙ hn),  h_t = n + z ⊙ (h_{t−1} − n),
 *   where [hr, hz, hn] = h_{t−1} W_hhᵀ + b_hh
 *
 * Backward, with g = ∂L/∂h_t (from outside plus the carry):
 *   ∂n̂ = g ⊙ (1 − z) ⊙ (1 − n²),  ∂ẑ = g ⊙ (h_{t−1} − n) ⊙ z(1 − z),  ∂r̂ = ∂n̂ ⊙ hn ⊙ r(1 − r)
 *   ∂xp = [∂r̂, ∂ẑ, ∂n̂],  ∂hp = [∂r̂, ∂ẑ, ∂n̂ ⊙ r],  carry = g ⊙ z + ∂hp · W_hh
 * Same tricks as the tanh kernel: non-transposed matmuls, direct kernel calls on wasm (each
 * gate's block of W_hh as its own matmul, so every operand is a contiguous view), weight
 * gradients as one matmul after the loop. Checked against nn.GRU's fixture and autodiff.
 */
import * as tf from '@tensorflow/tfjs';
import { columnSums, stateWeightGradient } from './products.js';
import { previous, timeSlices } from './time-slices.js';
import { WasmDirect } from './wasm-direct.js';

type Saved = { H: tf.Tensor3D; R: tf.Tensor3D; Z: tf.Tensor3D; N: tf.Tensor3D; HN: tf.Tensor3D };

/** h_t for t = 0…T−1 (time-major) from xp (T × B × 3d, b_ih included), W_hh (3d × d), b_hh (3d). */
export const gruRecurrence = tf.customGrad(((xp: tf.Tensor3D, W_hh: tf.Tensor2D, b_hh: tf.Tensor1D, save: tf.GradSaveFunc) => {
  const direct = WasmDirect.current();
  const s = direct ? forwardDirect(direct, xp, W_hh, b_hh) : forwardOps(xp, W_hh, b_hh);
  save([s.H, s.R, s.Z, s.N, s.HN, W_hh]);
  return {
    value: s.H,
    gradFunc: (dH: tf.Tensor3D, saved: tf.Tensor[]) => {
      const [H, R, Z, N, HN, W] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor2D];
      const Hprev = previous(H);
      // every factor that does not depend on the incoming gradient, for all T at once:
      // ∂n̂ = g ⊙ A, ∂ẑ = g ⊙ Bz, ∂r̂ = ∂n̂ ⊙ C — three multiplies per step instead of a dozen ops
      const A = tf.mul(tf.sub(1, Z), tf.sub(1, tf.square(N))) as tf.Tensor3D;
      const Bz = tf.mul(tf.sub(Hprev, N), tf.mul(Z, tf.sub(1, Z))) as tf.Tensor3D;
      const C = tf.mul(HN, tf.mul(R, tf.sub(1, R))) as tf.Tensor3D;
      const d = WasmDirect.current();
      const { dXP, dHP } = d ? backwardDirect(d, dH, { A, Bz, C, R, Z }, W) : backwardOps(dH, { A, Bz, C, R, Z }, W);
      return [dXP, stateWeightGradient(dHP, H), columnSums(tf.reshape(dHP, [-1, dHP.shape[2]]) as tf.Tensor2D)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (xp: tf.Tensor3D, W_hh: tf.Tensor2D, b_hh: tf.Tensor1D) => tf.Tensor3D;

type Factors = { A: tf.Tensor3D; Bz: tf.Tensor3D; C: tf.Tensor3D; R: tf.Tensor3D; Z: tf.Tensor3D };

/** The loop as tfjs ops (cpu, tensorflow backends). */
function forwardOps(xp: tf.Tensor3D, W_hh: tf.Tensor2D, b_hh: tf.Tensor1D): Saved {
  return tf.tidy(() => {
    const [, B] = xp.shape;
    const d = W_hh.shape[1];
    const W_hhT = tf.transpose(W_hh);
    let h = tf.zeros([B, d]) as tf.Tensor2D;
    const out = { H: [] as tf.Tensor2D[], R: [] as tf.Tensor2D[], Z: [] as tf.Tensor2D[], N: [] as tf.Tensor2D[], HN: [] as tf.Tensor2D[] };
    for (const x of timeSlices(xp)) {
      const [xr, xz, xn] = tf.split(x, 3, 1);
      const [hr, hz, hn] = tf.split(tf.add(tf.matMul(h, W_hhT), b_hh), 3, 1);
      const r = tf.sigmoid(tf.add(xr, hr)) as tf.Tensor2D;
      const z = tf.sigmoid(tf.add(xz, hz)) as tf.Tensor2D;
      const n = tf.tanh(tf.add(xn, tf.mul(r, hn))) as tf.Tensor2D;
      h = tf.add(n, tf.mul(z, tf.sub(h, n))) as tf.Tensor2D;
      out.H.push(h);
      out.R.push(r);
      out.Z.push(z);
      out.N.push(n);
      out.HN.push(hn as tf.Tensor2D);
    }
    const stack = (xs: tf.Tensor2D[]) => tf.stack(xs) as tf.Tensor3D;
    return { H: stack(out.H), R: stack(out.R), Z: stack(out.Z), N: stack(out.N), HN: stack(out.HN) };
  });
}

function backwardOps(dH: tf.Tensor3D, f: Factors, W: tf.Tensor2D): { dXP: tf.Tensor3D; dHP: tf.Tensor3D } {
  return tf.tidy(() => {
    const T = dH.shape[0];
    const [dHs, as, bs, cs, rs, zs] = [dH, f.A, f.Bz, f.C, f.R, f.Z].map((x) => timeSlices(x));
    const dXP: tf.Tensor2D[] = new Array(T);
    const dHP: tf.Tensor2D[] = new Array(T);
    let carry: tf.Tensor2D | null = null;
    for (let t = T - 1; t >= 0; t--) {
      const g: tf.Tensor2D = carry ? tf.add<tf.Tensor2D>(dHs[t], carry) : dHs[t];
      const dn = tf.mul(g, as[t]);
      const dz = tf.mul(g, bs[t]);
      const dr = tf.mul(dn, cs[t]);
      dXP[t] = tf.concat([dr, dz, dn], 1) as tf.Tensor2D;
      dHP[t] = tf.concat([dr, dz, tf.mul(dn, rs[t])], 1) as tf.Tensor2D;
      carry = tf.add<tf.Tensor2D>(tf.mul(g, zs[t]), tf.matMul(dHP[t], W));
    }
    return { dXP: tf.stack(dXP) as tf.Tensor3D, dHP: tf.stack(dHP) as tf.Tensor3D };
  });
}

/**
 * The loop as direct kernel calls (13 per step: each matmul adds its addend as it writes). n's tanh is 2σ(2a) − 1 with the doubling
 * folded into the inputs: 2a = 2xn + r ⊙ (h·2W_nᵀ + 2b_hn), so HN is kept doubled and halved
 * once after the loop.
 */
function forwardDirect(direct: WasmDirect, xp: tf.Tensor3D, W_hh: tf.Tensor2D, b_hh: tf.Tensor1D): Saved {
  const [T, B] = xp.shape;
  const d = W_hh.shape[1];
  const n = B * d;
  const [bR, bZ, bN] = tf.split(b_hh, 3);
  const [xR, xZ, xN] = tf.split(xp, 3, 2);
  const ins = [tf.add(xR, bR), tf.add(xZ, bZ), tf.mul(xN, 2)];
  const [Wr, Wz, Wn] = tf.split(W_hh, 3, 0);
  const weights = [tf.transpose(Wr), tf.transpose(Wz), tf.mul(tf.transpose(Wn), 2)];
  // 2·b_hn on every row, as a (B × 1)(1 × d) product (tfjs-wasm's Tile is slow)
  const b2n = tf.matMul(tf.ones([B, 1]), tf.reshape(tf.mul(bN, 2), [1, d]));
  const big = () => direct.empty([T, B, d]) as tf.Tensor3D;
  const out = { H: big(), R: big(), Z: big(), N: big(), HN2: big() };
  const scratch = [direct.empty([B, d]), direct.empty([B, d]), direct.empty([B, d]), tf.zeros([B, d]), tf.ones([B, d])];
  const [mm, tmp, tmp2, h0, one] = scratch.map((t) => direct.id(t));
  const [wr, wz, wn] = weights.map((w) => direct.id(w));
  const bn = direct.id(b2n);
  const at = (x: tf.Tensor, t: number) => direct.view(x, t * n, n);
  try {
    for (let t = 0; t < T; t++) {
      const h = t === 0 ? h0 : at(out.H, t - 1);
      const [r, z, nn, hn2] = [at(out.R, t), at(out.Z, t), at(out.N, t), at(out.HN2, t)];
      direct.matMulAdd(h, B, d, wr, d, at(ins[0], t), tmp, mm);
      direct.sigmoid(tmp, r);
      direct.matMulAdd(h, B, d, wz, d, at(ins[1], t), tmp, mm);
      direct.sigmoid(tmp, z);
      direct.matMulAdd(h, B, d, wn, d, bn, hn2, mm);
      direct.mul(r, hn2, n, tmp);
      direct.add(tmp, at(ins[2], t), n, tmp2);
      direct.tanhOfDoubled(tmp2, n, tmp, tmp2, one, nn);
      // h_t = n + z ⊙ (h − n)
      direct.sub(h, nn, n, tmp);
      direct.mul(z, tmp, n, tmp2);
      direct.add(nn, tmp2, n, at(out.H, t));
    }
  } finally {
    direct.release();
    tf.dispose([bR, bZ, bN, xR, xZ, xN, ...ins, Wr, Wz, Wn, ...weights, b2n, ...scratch]);
  }
  const HN = tf.mul(out.HN2, 0.5) as tf.Tensor3D;
  out.HN2.dispose();
  return { H: out.H, R: out.R, Z: out.Z, N: out.N, HN };
}

/** The backward loop as direct kernel calls (9 per step); ∂xp and ∂hp assembled after it. */
function backwardDirect(direct: WasmDirect, dH: tf.Tensor3D, f: Factors, W: tf.Tensor2D): { dXP: tf.Tensor3D; dHP: tf.Tensor3D } {
  const [T, B, d] = dH.shape;
  const n = B * d;
  const parts = [0, 1, 2, 3].map(() => direct.empty([T, B, d]));
  const [DR, DZ, DN, DHN] = parts;
  const blocks = tf.split(W, 3, 0);
  const [wr, wz, wn] = blocks.map((w) => direct.id(w));
  const scratch = [0, 1, 2, 3, 4, 5].map(() => direct.empty([B, d]));
  const [carry, g, gz, mm, c0, c1] = scratch.map((t) => direct.id(t));
  const at = (x: tf.Tensor, t: number) => direct.view(x, t * n, n);
  try {
    for (let t = T - 1; t >= 0; t--) {
      const grad = t === T - 1 ? at(dH, t) : g;
      if (t < T - 1) direct.add(at(dH, t), carry, n, g);
      const [dr, dz, dn, dhn] = [at(DR, t), at(DZ, t), at(DN, t), at(DHN, t)];
      direct.mul(grad, at(f.A, t), n, dn);
      direct.mul(grad, at(f.Bz, t), n, dz);
      direct.mul(dn, at(f.C, t), n, dr);
      direct.mul(dn, at(f.R, t), n, dhn);
      // carry = g ⊙ z + ∂r̂·W_r + ∂ẑ·W_z + (∂n̂ ⊙ r)·W_n
      direct.mul(grad, at(f.Z, t), n, gz);
      direct.matMulSum([[dr, wr], [dz, wz], [dhn, wn]], B, d, d, gz, carry, [mm, c0, c1]);
    }
  } finally {
    direct.release();
    tf.dispose([...blocks, ...scratch]);
  }
  const dXP = tf.concat([DR, DZ, DN], 2) as tf.Tensor3D;
  const dHP = tf.concat([DR, DZ, DHN], 2) as tf.Tensor3D;
  tf.dispose(parts);
  return { dXP, dHP };
}
