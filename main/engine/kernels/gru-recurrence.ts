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
 * On wasm a step is one matmul for all three gates (h_{t−1}·W_hhᵀ with b_hh added as it writes)
 * and one fused pointwise kernel (cells-wat.mjs) that reads xp_t's gates where they lie; going
 * back, one fused kernel writes ∂xp_t and ∂hp_t in gate layout and one matmul carries
 * ∂hp_t·W_hh. Weight gradients are one matmul after the loop. Checked against nn.GRU's
 * fixture and autodiff.
 */
import * as tf from '@tensorflow/tfjs';
import { columnSums, stateWeightGradient } from './products.js';
import { previous, timeSlices } from './time-slices.js';
import { WasmDirect } from './wasm-direct.js';
import { gruBackwardOnWebgpu, gruForwardOnWebgpu, unpackGruPlanes } from './webgpu-gru.js';
import { CHECK_SIZES, gap, inEveryLayout, ProgramCheck } from './webgpu-programs.js';

type Saved = { H: tf.Tensor3D; R: tf.Tensor3D; Z: tf.Tensor3D; N: tf.Tensor3D; HN: tf.Tensor3D };

/**
 * h_t for t = 0…T−1 (time-major) from xp (T × B × 3d, b_ih included), W_hh (3d × d), b_hh (3d).
 * `probe` (zeros, T × B × d; see ForwardOptions.probe): its gradient is ∂L/∂h_t for every t.
 */
export function gruRecurrence(xp: tf.Tensor3D, W_hh: tf.Tensor2D, b_hh: tf.Tensor1D, probe?: tf.Tensor3D): tf.Tensor3D {
  return probe ? op(xp, W_hh, b_hh, probe) : op(xp, W_hh, b_hh);
}

const op = tf.customGrad(((...args: unknown[]) => {
  const save = args.pop() as tf.GradSaveFunc;
  const [xp, W_hh, b_hh, probe] = args as [tf.Tensor3D, tf.Tensor2D, tf.Tensor1D, tf.Tensor3D | undefined];
  const direct = WasmDirect.current();
  if (!direct && webgpuGruReady()) {
    // the planes stay packed as the program wrote them, for its backward
    const { H, packed } = gruForwardOnWebgpu(xp, W_hh, b_hh);
    save([H, packed, W_hh]);
    return {
      value: H,
      gradFunc: (dH: tf.Tensor3D, [Hs, P, W]: tf.Tensor[]) =>
        // (a probe wants ∂L/∂h_t for every t too: the ops path, on webgpu as elsewhere)
        gradients(Hs as tf.Tensor3D, probe ? backwardOps(dH, unpackGruPlanes(P as tf.Tensor4D), W as tf.Tensor2D, true) : gruBackwardOnWebgpu(dH, P as tf.Tensor4D, W as tf.Tensor2D)),
    };
  }
  const s = direct ? forwardDirect(direct, xp, W_hh, b_hh) : forwardOps(xp, W_hh, b_hh);
  save([s.H, s.R, s.Z, s.N, s.HN, W_hh]);
  return {
    value: s.H,
    gradFunc: (dH: tf.Tensor3D, saved: tf.Tensor[]) => {
      const [H, R, Z, N, HN, W] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor2D];
      const d = WasmDirect.current();
      return gradients(H, d ? backwardDirect(d, dH, { H, R, Z, N, HN }, W, Boolean(probe)) : backwardOps(dH, { H, R, Z, N, HN }, W, Boolean(probe)));
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...inputs: tf.Tensor[]) => tf.Tensor3D;

/** ∂xp and ∂hp for all T, and with `total` ∂L/∂h_t (from outside plus the carry) for all T. */
type Backward = { dXP: tf.Tensor3D; dHP: tf.Tensor3D; dHTotal?: tf.Tensor3D };

/** The op's gradients, from its backward's: ∂xp, ∂W_hh, ∂b_hh, and ∂probe where asked. */
function gradients(H: tf.Tensor3D, { dXP, dHP, dHTotal }: Backward): tf.Tensor[] {
  return [dXP, stateWeightGradient(dHP, H), columnSums(tf.reshape(dHP, [-1, dHP.shape[2]]) as tf.Tensor2D), ...(dHTotal ? [dHTotal] : [])];
}

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

function backwardOps(dH: tf.Tensor3D, s: Saved, W: tf.Tensor2D, total: boolean): Backward {
  return tf.tidy(() => {
    const T = dH.shape[0];
    // every factor that does not depend on the incoming gradient, for all T at once:
    // ∂n̂ = g ⊙ A, ∂ẑ = g ⊙ Bz, ∂r̂ = ∂n̂ ⊙ C — three multiplies per step instead of a dozen ops
    const A = tf.mul(tf.sub(1, s.Z), tf.sub(1, tf.square(s.N)));
    const Bz = tf.mul(tf.sub(previous(s.H), s.N), tf.mul(s.Z, tf.sub(1, s.Z)));
    const C = tf.mul(s.HN, tf.mul(s.R, tf.sub(1, s.R)));
    const [dHs, as, bs, cs, rs, zs] = [dH, A, Bz, C, s.R, s.Z].map((x) => timeSlices(x as tf.Tensor3D));
    const dXP: tf.Tensor2D[] = new Array(T);
    const dHP: tf.Tensor2D[] = new Array(T);
    const gs: tf.Tensor2D[] = new Array(T);
    let carry: tf.Tensor2D | null = null;
    for (let t = T - 1; t >= 0; t--) {
      const g: tf.Tensor2D = (gs[t] = carry ? tf.add<tf.Tensor2D>(dHs[t], carry) : dHs[t]);
      const dn = tf.mul(g, as[t]);
      const dz = tf.mul(g, bs[t]);
      const dr = tf.mul(dn, cs[t]);
      dXP[t] = tf.concat([dr, dz, dn], 1) as tf.Tensor2D;
      dHP[t] = tf.concat([dr, dz, tf.mul(dn, rs[t])], 1) as tf.Tensor2D;
      carry = tf.add<tf.Tensor2D>(tf.mul(g, zs[t]), tf.matMul(dHP[t], W));
    }
    return { dXP: tf.stack(dXP) as tf.Tensor3D, dHP: tf.stack(dHP) as tf.Tensor3D, dHTotal: total ? (tf.stack(gs) as tf.Tensor3D) : undefined };
  });
}

/** The loop on wasm: per step one matmul (h_{t−1}·W_hhᵀ + b_hh, all gates) and one fused cell kernel. */
function forwardDirect(direct: WasmDirect, xp: tf.Tensor3D, W_hh: tf.Tensor2D, b_hh: tf.Tensor1D): Saved {
  const [T, B, G] = xp.shape;
  const d = W_hh.shape[1];
  const n = B * d;
  const big = () => direct.empty([T, B, d]) as tf.Tensor3D;
  const out: Saved = { H: big(), R: big(), Z: big(), N: big(), HN: big() };
  const scratch = [direct.empty([B, G]), tf.zeros([B, d])];
  const [hp, zero] = scratch.map((t) => direct.id(t));
  const [w, bias] = [direct.transposed(W_hh), direct.id(b_hh)];
  const at = (x: tf.Tensor, t: number) => direct.view(x, t * n, n);
  try {
    for (let t = 0; t < T; t++) {
      const hPrev = t > 0 ? at(out.H, t - 1) : zero;
      // b_hh on every row: the bias as a base whose rows are 0 floats apart
      direct.matMulAdd(hPrev, B, d, w, G, bias, hp, 0);
      direct.cell('gruCell', { xp: direct.view(xp, t * B * G, B * G), hp, hPrev, h: at(out.H, t), r: at(out.R, t), z: at(out.Z, t), n: at(out.N, t), hnOut: at(out.HN, t) }, B, d);
    }
  } finally {
    direct.release();
    tf.dispose(scratch);
  }
  return out;
}

/** The backward loop on wasm: per step one fused kernel (∂xp_t, ∂hp_t, g ⊙ z) and one matmul (carry = g ⊙ z + ∂hp_t·W_hh). */
function backwardDirect(direct: WasmDirect, dH: tf.Tensor3D, s: Saved, W: tf.Tensor2D, total: boolean): Backward {
  const [T, B, d] = dH.shape;
  const n = B * d;
  const G = 3 * d;
  const dXP = direct.empty([T, B, G]) as tf.Tensor3D;
  const dHP = direct.empty([T, B, G]) as tf.Tensor3D;
  const dHTotal = total ? (direct.empty([T, B, d]) as tf.Tensor3D) : undefined;
  const scratch = [direct.empty([B, d]), direct.empty([B, d]), tf.zeros([B, d])];
  const [carry, gz, zero] = scratch.map((t) => direct.id(t));
  const w = direct.id(W);
  const at = (x: tf.Tensor, t: number) => direct.view(x, t * n, n);
  try {
    for (let t = T - 1; t >= 0; t--) {
      const dHPt = direct.view(dHP, t * B * G, B * G);
      const carryIn = t < T - 1 ? carry : zero;
      if (dHTotal) direct.cell('sum', { a: at(dH, t), b: carryIn, out: at(dHTotal, t) }, B, d);
      direct.cell('gruCellBackward', { dh: at(dH, t), carry: carryIn, r: at(s.R, t), z: at(s.Z, t), n: at(s.N, t), hn: at(s.HN, t), hPrev: t > 0 ? at(s.H, t - 1) : zero, dXp: direct.view(dXP, t * B * G, B * G), dHp: dHPt, gz }, B, d);
      if (t > 0) direct.matMulAdd(dHPt, B, G, w, d, gz, carry);
    }
  } finally {
    direct.release();
    tf.dispose(scratch);
  }
  return { dXP, dHP, dHTotal };
}

/** The GRU's webgpu programs (webgpu-gru.ts) against the ops above, once per process (ProgramCheck). */
const gpuCheck = new ProgramCheck(inEveryLayout(() => {
  const { T, B, d } = CHECK_SIZES;
  const xp = tf.randomUniform([T, B, 3 * d], -1, 1, 'float32', 11) as tf.Tensor3D;
  const W = tf.randomUniform([3 * d, d], -0.1, 0.1, 'float32', 12) as tf.Tensor2D;
  const bias = tf.randomUniform([3 * d], -0.5, 0.5, 'float32', 13) as tf.Tensor1D;
  const dH = tf.randomUniform([T, B, d], -1, 1, 'float32', 14) as tf.Tensor3D;
  const [mine, theirs] = [gruForwardOnWebgpu(xp, W, bias), forwardOps(xp, W, bias)];
  const [back, ops] = [gruBackwardOnWebgpu(dH, mine.packed, W), backwardOps(dH, theirs, W, false)];
  return [gap(mine.H, theirs.H), gap(unpackGruPlanes(mine.packed).HN, theirs.HN), gap(back.dXP, ops.dXP), gap(back.dHP, ops.dHP)];
}));

export const verifyWebgpuGru = (): Promise<boolean> => gpuCheck.verify();

/** True once verifyWebgpuGru passed in this process (and the programs are wanted, on webgpu). */
export const webgpuGruReady = (): boolean => gpuCheck.ready();
