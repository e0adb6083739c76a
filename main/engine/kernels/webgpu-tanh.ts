/**
 * The shared tanh recurrence on webgpu as one dispatch a pass (of up to 256 steps), forward
 * and backward (webgpu-programs.ts): the forward writes h_t = tanh(xp_t + h_{t−1}·W_hhᵀ) row by row, the
 * backward ∂L/∂z_t and the carry into step t − 1. As tfjs ops the same was ≈ 12 dispatches a step.
 */
import * as tf from '@tensorflow/tfjs';
import { CHECK_SIZES, gap, inEveryLayout, ProgramCheck, recurrentDots, runPass, SequenceProgram, webgpuBackend } from './webgpu-programs.js';

/** H (T × B × d) from Xp (T × B × d) and Wt = W_hhᵀ (d × d); h_{−1} = 0. */
class Forward extends SequenceProgram {
  variableNames = ['Xp', 'Wt'];
  constructor(T: number, B: number, d: number) {
    super([T, B, d], 'rnnwb_tanh_forward', B, d, 'forward');
  }
  getUserCode(): string {
    return this.main(1, {
      unit: `var z = Xp[at + j];
          if (t > 0) {
            ${recurrentDots(['z'])}
          }
          result[at + j] = tanhOf(z);`,
    });
  }
}

/**
 * ∂L/∂z (rows 0…T−1) and the carry ∂L/∂h_{t−1} arriving from step t (row T): per step, each
 * thread writes ∂z_t = (∂L/∂h_t + carry) ⊙ (1 − h_t²) for its units, then, once the whole row is
 * written, carry_j = Σ_k ∂z_t[k]·W_hh[k, j]. A thread reads and writes only its own units' carry.
 * Inputs: DH and H (T × B × d), W (d × d).
 */
class Backward extends SequenceProgram {
  variableNames = ['DH', 'H', 'W'];
  constructor(T: number, B: number, d: number) {
    super([T + 1, B, d], 'rnnwb_tanh_backward', B, d, 'backward');
  }
  getUserCode(): string {
    return this.main(1, {
      head: 'let carry = T * n + b * d;',
      unit: `var g = DH[at + j];
          if (t < T - 1) { g = g + result[carry + j]; }
          let h = H[at + j];
          result[at + j] = g * (1.0 - h * h);`,
      carry: `var c = 0.0;
            for (var k = 0; k < d; k = k + 1) { c = c + result[at + k] * W[k * d + j]; }
            result[carry + j] = c;`,
    });
  }
}

/** States of all T steps (T × B × d) from the projected inputs (T × B × d) and W_hh (d × d). */
export function forwardOnWebgpu(xp: tf.Tensor3D, W_hh: tf.Tensor2D): tf.Tensor3D {
  const [T, B, d] = xp.shape;
  const H = webgpuBackend().makeTensorInfo([T, B, d], 'float32');
  return tf.tidy(() => runPass(new Forward(T, B, d), [xp, tf.transpose(W_hh)], H, T, B, d) as tf.Tensor3D);
}

/** ∂L/∂z for all T (T × B × d), given ∂L/∂h_t from outside (dH), the states H and W_hh. */
export function backwardOnWebgpu(dH: tf.Tensor3D, H: tf.Tensor3D, W_hh: tf.Tensor2D): tf.Tensor3D {
  const [T, B, d] = dH.shape;
  const scratch = webgpuBackend().makeTensorInfo([T + 1, B, d], 'float32');
  return tf.tidy(() => tf.slice(runPass(new Backward(T, B, d), [dH, H, W_hh], scratch, T, B, d) as tf.Tensor3D, [0, 0, 0], [T, B, d]));
}

/**
 * Both programs against the same recurrence as tfjs ops, once per process (ProgramCheck):
 * h_t = tanh(xp_t + h_{t−1}Wᵀ); dz_t = (dH_t + dz_{t+1}W) ⊙ (1 − h_t²).
 */
const check = new ProgramCheck(inEveryLayout(() => {
  const { T, B, d } = CHECK_SIZES;
  const xp = tf.randomUniform([T, B, d], -1, 1, 'float32', 7) as tf.Tensor3D;
  const W = tf.randomUniform([d, d], -0.1, 0.1, 'float32', 8) as tf.Tensor2D;
  const dH = tf.randomUniform([T, B, d], -1, 1, 'float32', 9) as tf.Tensor3D;
  const H = forwardOnWebgpu(xp, W);
  const hs: tf.Tensor2D[] = [];
  for (let t = 0; t < T; t++) hs.push(tf.tanh(t ? tf.add(tf.gather(xp, t), tf.matMul(hs[t - 1], W, false, true)) : tf.gather(xp, t)) as tf.Tensor2D);
  const dzs: tf.Tensor2D[] = new Array(T);
  for (let t = T - 1; t >= 0; t--) {
    const g = t < T - 1 ? tf.add(tf.gather(dH, t), tf.matMul(dzs[t + 1], W)) : tf.gather(dH, t);
    dzs[t] = tf.mul(g, tf.sub(1, tf.square(hs[t]))) as tf.Tensor2D;
  }
  return [gap(H, tf.stack(hs)), gap(backwardOnWebgpu(dH, H, W), tf.stack(dzs))];
}));

export const verifyWebgpuTanh = (): Promise<boolean> => check.verify();

/** True once verifyWebgpuTanh passed in this process: the recurrence then runs these programs. */
export const webgpuTanhReady = (): boolean => check.ready();
