/**
 * The shared LSTM recurrence on webgpu as one dispatch a time step, forward and backward (the
 * same idea as webgpu-tanh.ts; the cell as in lstm-recurrence.ts, PyTorch's gate order i, f, g, o).
 *
 * Forward writes seven planes of T × B × d at once — h, c, σi, σf, tanh g, σo, tanh c — which the
 * backward reads. Backward writes the gate gradients (T × B × 4d) and the two carries for step
 * t−1: ∂c ⊙ σf, and [∂î ∂f̂ ∂ĝ ∂ô]_t·W_hh, each thread recomputing the gate row it needs.
 */
import * as tf from '@tensorflow/tfjs';
import { planeWrites, recurrentDots, runSteps, StepProgram, THREAD, webgpuBackend } from './webgpu-programs.js';

/** Planes of the forward's output, in order. */
const PLANES = ['H', 'C', 'SI', 'SF', 'TG', 'SO', 'TC'] as const;
export type LstmPlanes = Record<(typeof PLANES)[number], tf.Tensor3D>;

/** Row t of every plane. Inputs: Xp (T × B × 4d, both biases included), W (4d × d). */
class LstmForwardStep extends StepProgram {
  variableNames = ['Xp', 'W'];
  constructor(T: number, B: number, d: number) {
    super([PLANES.length, T, B, d], 'rnnwb_lstm_forward', B * d);
  }
  getUserCode(): string {
    return `
      fn sigmoid(x : f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
      fn main(index : i32) {
        ${THREAD}
        let plane = uniforms.steps * n;
        let x = (uniforms.step * uniforms.batch + b) * 4 * d;
        var gi = Xp[x + j];
        var gf = Xp[x + d + j];
        var gg = Xp[x + 2 * d + j];
        var go = Xp[x + 3 * d + j];
        var cPrev = 0.0;
        if (uniforms.step > 0) {
          ${recurrentDots(['gi', 'gf', 'gg', 'go'])}
          cPrev = result[plane + row - n + index];
        }
        let si = sigmoid(gi);
        let sf = sigmoid(gf);
        let tg = tanh(gg);
        let so = sigmoid(go);
        let c = sf * cPrev + si * tg;
        let tc = tanh(c);
        ${planeWrites(PLANES, { H: 'so * tc', C: 'c', SI: 'si', SF: 'sf', TG: 'tg', SO: 'so', TC: 'tc' })}
      }`;
  }
}

/**
 * Step t backward into a flat scratch: the gate gradients (T·B·4d), then two rows of the h
 * carry and two of the c carry (B·d each), each pair used in turn. S: the forward's planes.
 */
class LstmBackwardStep extends StepProgram {
  variableNames = ['DH', 'S', 'W'];
  constructor(T: number, B: number, d: number) {
    super([T * B * 4 * d + 4 * B * d], 'rnnwb_lstm_backward', B * d);
  }
  getUserCode(): string {
    return `
      // ∂î, ∂f̂, ∂ĝ, ∂ô of unit k of sequence b at this step, and ∂c there (the c carry's source)
      fn gates(b : i32, k : i32, last : bool) -> array<f32, 5> {
        let d = uniforms.units;
        let n = uniforms.batch * d;
        let plane = uniforms.steps * n;
        let at = uniforms.step * n + b * d + k;
        let carries = uniforms.steps * n * 4;
        let inH = carries + (uniforms.step % 2) * n + b * d + k;
        let inC = carries + 2 * n + (uniforms.step % 2) * n + b * d + k;
        var gh = DH[at];
        var dc = 0.0;
        if (!last) {
          gh = gh + result[inH];
          dc = result[inC];
        }
        let si = S[2 * plane + at];
        let sf = S[3 * plane + at];
        let tg = S[4 * plane + at];
        let so = S[5 * plane + at];
        let tc = S[6 * plane + at];
        var cPrev = 0.0;
        if (uniforms.step > 0) { cPrev = S[plane + at - n]; }
        dc = dc + gh * so * (1.0 - tc * tc);
        return array<f32, 5>(dc * tg * si * (1.0 - si), dc * cPrev * sf * (1.0 - sf), dc * si * (1.0 - tg * tg), gh * tc * so * (1.0 - so), dc);
      }
      fn main(index : i32) {
        ${THREAD}
        let G = 4 * d;
        let carries = uniforms.steps * n * 4;
        let outH = carries + ((uniforms.step + 1) % 2) * n;
        let outC = carries + 2 * n + ((uniforms.step + 1) % 2) * n;
        let last = uniforms.step == uniforms.steps - 1;
        let own = gates(b, j, last);
        let x = (uniforms.step * uniforms.batch + b) * G;
        result[x + j] = own[0];
        result[x + d + j] = own[1];
        result[x + 2 * d + j] = own[2];
        result[x + 3 * d + j] = own[3];
        if (uniforms.step == 0) { return; }
        result[outC + index] = own[4] * S[3 * uniforms.steps * n + row + index];
        var carry = 0.0;
        for (var k = 0; k < d; k = k + 1) {
          let q = gates(b, k, last);
          carry = carry + q[0] * W[k * d + j] + q[1] * W[(d + k) * d + j] + q[2] * W[(2 * d + k) * d + j] + q[3] * W[(3 * d + k) * d + j];
        }
        result[outH + index] = carry;
      }`;
  }
}

/** The forward's planes (each T × B × d) from xp (T × B × 4d) and W_hh (4d × d). */
export function lstmForwardOnWebgpu(xp: tf.Tensor3D, W_hh: tf.Tensor2D): LstmPlanes {
  const [T, B] = xp.shape;
  const d = W_hh.shape[1];
  const out = webgpuBackend().makeTensorInfo([PLANES.length, T, B, d], 'float32');
  return tf.tidy(() => {
    const planes = tf.unstack(runSteps(new LstmForwardStep(T, B, d), [xp, W_hh], out, T, B, d)) as tf.Tensor3D[];
    return Object.fromEntries(PLANES.map((name, i) => [name, planes[i]])) as LstmPlanes;
  });
}

/** The gate gradients (T × B × 4d), given ∂L/∂h_t from outside, the forward's planes and W_hh. */
export function lstmBackwardOnWebgpu(dH: tf.Tensor3D, s: LstmPlanes, W_hh: tf.Tensor2D): tf.Tensor3D {
  const [T, B, d] = dH.shape;
  const size = T * B * 4 * d;
  const scratch = webgpuBackend().makeTensorInfo([size + 4 * B * d], 'float32');
  return tf.tidy(() => {
    const S = tf.stack(PLANES.map((name) => s[name]));
    const flat = runSteps(new LstmBackwardStep(T, B, d), [dH, S, W_hh], scratch, T, B, d, true);
    return tf.reshape(tf.slice(flat, [0], [size]), [T, B, 4 * d]) as tf.Tensor3D;
  });
}
