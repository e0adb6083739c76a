/**
 * The shared GRU recurrence on webgpu as one dispatch a time step, forward and backward (the
 * same idea as webgpu-tanh.ts; the cell as in gru-recurrence.ts, PyTorch's gate order r, z, n).
 *
 * Forward writes five planes of T × B × d at once — h, r, z, n and hn (the recurrent part of n
 * with its bias) — which the backward reads. Backward writes ∂xp and ∂hp (T × B × 3d each) and the
 * carry for step t−1, g ⊙ z + ∂hp_t·W_hh, each thread recomputing the ∂hp_t[b, ·] it needs.
 * The ops did the same in ≈ 25 ops a time step.
 */
import * as tf from '@tensorflow/tfjs';
import { planeWrites, recurrentDots, runSteps, StepProgram, THREAD, webgpuBackend } from './webgpu-programs.js';

/** Planes of the forward's output, in order. */
const PLANES = ['H', 'R', 'Z', 'N', 'HN'] as const;
export type GruPlanes = Record<(typeof PLANES)[number], tf.Tensor3D>;

/** Row t of every plane. Inputs: Xp (T × B × 3d, b_ih included), W (3d × d), Bh (3d). */
class GruForwardStep extends StepProgram {
  variableNames = ['Xp', 'W', 'Bh'];
  constructor(T: number, B: number, d: number) {
    super([PLANES.length, T, B, d], 'rnnwb_gru_forward', B * d);
  }
  getUserCode(): string {
    return `
      fn main(index : i32) {
        ${THREAD}
        let plane = uniforms.steps * n;
        var hr = Bh[j];
        var hz = Bh[d + j];
        var hn = Bh[2 * d + j];
        var hPrev = 0.0;
        if (uniforms.step > 0) {
          ${recurrentDots(['hr', 'hz', 'hn'])}
          hPrev = result[row - n + index];
        }
        let x = (uniforms.step * uniforms.batch + b) * 3 * d;
        let r = 1.0 / (1.0 + exp(-(Xp[x + j] + hr)));
        let z = 1.0 / (1.0 + exp(-(Xp[x + d + j] + hz)));
        let c = tanh(Xp[x + 2 * d + j] + r * hn);
        ${planeWrites(PLANES, { H: 'c + z * (hPrev - c)', R: 'r', Z: 'z', N: 'c', HN: 'hn' })}
      }`;
  }
}

/**
 * Step t backward into a flat scratch: ∂xp (T·B·3d), then ∂hp (T·B·3d), then two carry rows
 * (B·d each) used in turn. S: the forward's planes; DH: ∂L/∂h_t from outside (T × B × d).
 */
class GruBackwardStep extends StepProgram {
  variableNames = ['DH', 'S', 'W'];
  constructor(T: number, B: number, d: number) {
    super([2 * T * B * 3 * d + 2 * B * d], 'rnnwb_gru_backward', B * d);
  }
  getUserCode(): string {
    return `
      // ∂r̂, ∂ẑ, ∂n̂ and r of unit k of sequence b at this step, g its incoming gradient
      fn gates(b : i32, k : i32, g : f32) -> vec4<f32> {
        let d = uniforms.units;
        let n = uniforms.batch * d;
        let plane = uniforms.steps * n;
        let at = uniforms.step * n + b * d + k;
        let r = S[plane + at];
        let z = S[2 * plane + at];
        let c = S[3 * plane + at];
        let hn = S[4 * plane + at];
        var hPrev = 0.0;
        if (uniforms.step > 0) { hPrev = S[at - n]; }
        let dn = g * (1.0 - z) * (1.0 - c * c);
        let dz = g * (hPrev - c) * z * (1.0 - z);
        return vec4<f32>(dn * hn * r * (1.0 - r), dz, dn, r);
      }
      fn incoming(b : i32, k : i32, carryIn : i32, last : bool) -> f32 {
        let d = uniforms.units;
        let at = uniforms.step * uniforms.batch * d + b * d + k;
        if (last) { return DH[at]; }
        return DH[at] + result[carryIn + b * d + k];
      }
      fn main(index : i32) {
        ${THREAD}
        let G = 3 * d;
        let grads = uniforms.steps * uniforms.batch * G;
        let carryIn = 2 * grads + (uniforms.step % 2) * n;
        let carryOut = 2 * grads + ((uniforms.step + 1) % 2) * n;
        let last = uniforms.step == uniforms.steps - 1;
        let g = incoming(b, j, carryIn, last);
        let own = gates(b, j, g);
        let x = (uniforms.step * uniforms.batch + b) * G;
        result[x + j] = own.x;
        result[x + d + j] = own.y;
        result[x + 2 * d + j] = own.z;
        result[grads + x + j] = own.x;
        result[grads + x + d + j] = own.y;
        result[grads + x + 2 * d + j] = own.z * own.w;
        if (uniforms.step == 0) { return; }
        let z = S[2 * uniforms.steps * n + row + index];
        var carry = g * z;
        for (var k = 0; k < d; k = k + 1) {
          let q = gates(b, k, incoming(b, k, carryIn, last));
          carry = carry + q.x * W[k * d + j] + q.y * W[(d + k) * d + j] + q.z * q.w * W[(2 * d + k) * d + j];
        }
        result[carryOut + index] = carry;
      }`;
  }
}

/** The forward's planes (each T × B × d) from xp (T × B × 3d), W_hh (3d × d) and b_hh (3d). */
export function gruForwardOnWebgpu(xp: tf.Tensor3D, W_hh: tf.Tensor2D, b_hh: tf.Tensor1D): GruPlanes {
  const [T, B] = xp.shape;
  const d = W_hh.shape[1];
  const out = webgpuBackend().makeTensorInfo([PLANES.length, T, B, d], 'float32');
  return tf.tidy(() => {
    const planes = tf.unstack(runSteps(new GruForwardStep(T, B, d), [xp, W_hh, b_hh], out, T, B, d)) as tf.Tensor3D[];
    return Object.fromEntries(PLANES.map((name, i) => [name, planes[i]])) as GruPlanes;
  });
}

/** ∂xp and ∂hp (each T × B × 3d), given ∂L/∂h_t from outside, the forward's planes and W_hh. */
export function gruBackwardOnWebgpu(dH: tf.Tensor3D, s: GruPlanes, W_hh: tf.Tensor2D): { dXP: tf.Tensor3D; dHP: tf.Tensor3D } {
  const [T, B, d] = dH.shape;
  const G = 3 * d;
  const size = T * B * G;
  const scratch = webgpuBackend().makeTensorInfo([2 * size + 2 * B * d], 'float32');
  return tf.tidy(() => {
    const S = tf.stack(PLANES.map((name) => s[name]));
    const flat = runSteps(new GruBackwardStep(T, B, d), [dH, S, W_hh], scratch, T, B, d, true);
    const part = (from: number) => tf.reshape(tf.slice(flat, [from], [size]), [T, B, G]) as tf.Tensor3D;
    return { dXP: part(0), dHP: part(size) };
  });
}
