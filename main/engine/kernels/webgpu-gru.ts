/**
 * The shared GRU recurrence on webgpu as one dispatch a pass (of up to 256 steps), forward
 * and backward (webgpu-programs.ts; the cell as in gru-recurrence.ts, PyTorch's gate order r, z, n).
 *
 * Forward writes five planes of T × B × d — h, r, z, n and hn (the recurrent part of n with its
 * bias) — which the backward reads. Backward writes ∂xp and ∂hp (T × B × 3d each) and, per step,
 * the carry into step t − 1: g ⊙ z + ∂hp_t·W_hh. The ops did the same in ≈ 25 dispatches a step.
 */
import * as tf from '@tensorflow/tfjs';
import { packedPlanes, planeWrites, recurrentDots, runPass, SequenceProgram, unpackPlanes, webgpuBackend, type PackedPlanes } from './webgpu-programs.js';

/** Planes of the forward's output, in order. */
const PLANES = ['H', 'R', 'Z', 'N', 'HN'] as const;
export type GruPlanes = Record<(typeof PLANES)[number], tf.Tensor3D>;

/** Every plane. Inputs: Xp (T × B × 3d, b_ih included), Wt = W_hhᵀ (d × 3d), Bh (3d). */
class GruForward extends SequenceProgram {
  variableNames = ['Xp', 'Wt', 'Bh'];
  constructor(T: number, B: number, d: number) {
    super([PLANES.length, T, B, d], 'rnnwb_gru_forward', B, d, 'forward');
  }
  getUserCode(): string {
    return this.main(3, {
      unit: `var hr = Bh[j];
          var hz = Bh[d + j];
          var hn = Bh[2 * d + j];
          var hPrev = 0.0;
          if (t > 0) {
            ${recurrentDots(['hr', 'hz', 'hn'])}
            hPrev = result[at - n + j];
          }
          let r = sigmoid(Xp[x + j] + hr);
          let z = sigmoid(Xp[x + d + j] + hz);
          let c = tanhOf(Xp[x + 2 * d + j] + r * hn);
          ${planeWrites(PLANES, { H: 'c + z * (hPrev - c)', R: 'r', Z: 'z', N: 'c', HN: 'hn' })}`,
    });
  }
}

/**
 * The backward into a flat scratch: ∂xp (T·B·3d), then ∂hp (T·B·3d), then the carry (B·d). Per
 * step, each thread writes its units' gate gradients and the carry's own part g ⊙ z, then, once
 * the whole row is written, adds ∂hp_t·W_hh to it. S: the forward's planes; DH: ∂L/∂h_t from
 * outside (T × B × d); W: W_hh (3d × d).
 */
class GruBackward extends SequenceProgram {
  variableNames = ['DH', 'S', 'W'];
  constructor(T: number, B: number, d: number) {
    super([2 * T * B * 3 * d + B * d], 'rnnwb_gru_backward', B, d, 'backward');
  }
  getUserCode(): string {
    return this.main(3, {
      head: `let grads = T * uniforms.batch * 3 * d;
        let carry = 2 * grads + b * d;`,
      unit: `var g = DH[at + j];
          if (t < T - 1) { g = g + result[carry + j]; }
          let r = S[plane + at + j];
          let z = S[2 * plane + at + j];
          let c = S[3 * plane + at + j];
          let hn = S[4 * plane + at + j];
          var hPrev = 0.0;
          if (t > 0) { hPrev = S[at - n + j]; }
          let dn = g * (1.0 - z) * (1.0 - c * c);
          let dz = g * (hPrev - c) * z * (1.0 - z);
          let dr = dn * hn * r * (1.0 - r);
          result[x + j] = dr;
          result[x + d + j] = dz;
          result[x + 2 * d + j] = dn;
          result[grads + x + j] = dr;
          result[grads + x + d + j] = dz;
          result[grads + x + 2 * d + j] = dn * r;
          result[carry + j] = g * z;`,
      carry: `var c = result[carry + j];
            for (var k = 0; k < d; k = k + 1) {
              let q = grads + x + k;
              c = c + result[q] * W[k * d + j] + result[q + d] * W[(d + k) * d + j] + result[q + 2 * d] * W[(2 * d + k) * d + j];
            }
            result[carry + j] = c;`,
    });
  }
}

/** The forward's planes (5 × T × B × d) and h from xp (T × B × 3d), W_hh (3d × d) and b_hh (3d). */
export function gruForwardOnWebgpu(xp: tf.Tensor3D, W_hh: tf.Tensor2D, b_hh: tf.Tensor1D): PackedPlanes {
  const [T, B] = xp.shape;
  const d = W_hh.shape[1];
  const out = webgpuBackend().makeTensorInfo([PLANES.length, T, B, d], 'float32');
  return tf.tidy(() => packedPlanes(runPass(new GruForward(T, B, d), [xp, tf.transpose(W_hh), b_hh], out, T, B, d) as tf.Tensor4D));
}

/** The planes by name (for the ops' backward where a probe taps in, and the check). */
export const unpackGruPlanes = (packed: tf.Tensor4D): GruPlanes => unpackPlanes(PLANES, packed);

/** ∂xp and ∂hp (each T × B × 3d), given ∂L/∂h_t from outside, the forward's planes and W_hh. */
export function gruBackwardOnWebgpu(dH: tf.Tensor3D, planes: tf.Tensor4D, W_hh: tf.Tensor2D): { dXP: tf.Tensor3D; dHP: tf.Tensor3D } {
  const [T, B, d] = dH.shape;
  const G = 3 * d;
  const size = T * B * G;
  const scratch = webgpuBackend().makeTensorInfo([2 * size + B * d], 'float32');
  return tf.tidy(() => {
    const flat = runPass(new GruBackward(T, B, d), [dH, planes, W_hh], scratch, T, B, d);
    const part = (from: number) => tf.reshape(tf.slice(flat, [from], [size]), [T, B, G]) as tf.Tensor3D;
    return { dXP: part(0), dHP: part(size) };
  });
}
