/**
 * The shared LSTM recurrence on webgpu as one dispatch a pass (of up to 256 steps), forward
 * and backward (webgpu-programs.ts; the cell as in lstm-recurrence.ts, PyTorch's gate order i, f, g, o).
 *
 * Forward writes seven planes of T × B × d — h, c, σi, σf, tanh g, σo, tanh c — which the
 * backward reads. Backward writes the gate gradients (T × B × 4d) and, per step, the two carries
 * into step t − 1: ∂c ⊙ σf, and [∂î ∂f̂ ∂ĝ ∂ô]_t·W_hh.
 */
import * as tf from '@tensorflow/tfjs';
import { packedPlanes, planeWrites, recurrentDots, runPass, SequenceProgram, unpackPlanes, webgpuBackend, type PackedPlanes } from './webgpu-programs.js';

/** Planes of the forward's output, in order. */
const PLANES = ['H', 'C', 'SI', 'SF', 'TG', 'SO', 'TC'] as const;
export type LstmPlanes = Record<(typeof PLANES)[number], tf.Tensor3D>;

/** Every plane. Inputs: Xp (T × B × 4d, both biases included), Wt = W_hhᵀ (d × 4d). */
class LstmForward extends SequenceProgram {
  variableNames = ['Xp', 'Wt'];
  constructor(T: number, B: number, d: number) {
    super([PLANES.length, T, B, d], 'rnnwb_lstm_forward', B, d, 'forward');
  }
  getUserCode(): string {
    return this.main(4, {
      unit: `var gi = Xp[x + j];
          var gf = Xp[x + d + j];
          var gg = Xp[x + 2 * d + j];
          var go = Xp[x + 3 * d + j];
          var cPrev = 0.0;
          if (t > 0) {
            ${recurrentDots(['gi', 'gf', 'gg', 'go'])}
            cPrev = result[plane + at - n + j];
          }
          let si = sigmoid(gi);
          let sf = sigmoid(gf);
          let tg = tanhOf(gg);
          let so = sigmoid(go);
          let c = sf * cPrev + si * tg;
          let tc = tanhOf(c);
          ${planeWrites(PLANES, { H: 'so * tc', C: 'c', SI: 'si', SF: 'sf', TG: 'tg', SO: 'so', TC: 'tc' })}`,
    });
  }
}

/**
 * The backward into a flat scratch: the gate gradients (T·B·4d), then the h carry and the c
 * carry (B·d each). Per step, each thread writes its units' gate gradients and c carry, then,
 * once the whole row is written, its units' h carry. S: the forward's planes; W: W_hh (4d × d).
 */
class LstmBackward extends SequenceProgram {
  variableNames = ['DH', 'S', 'W'];
  constructor(T: number, B: number, d: number) {
    super([T * B * 4 * d + 2 * B * d], 'rnnwb_lstm_backward', B, d, 'backward');
  }
  getUserCode(): string {
    return this.main(4, {
      head: `let carryH = T * uniforms.batch * 4 * d + b * d;
        let carryC = carryH + n;`,
      unit: `var gh = DH[at + j];
          var dc = 0.0;
          if (t < T - 1) {
            gh = gh + result[carryH + j];
            dc = result[carryC + j];
          }
          let si = S[2 * plane + at + j];
          let sf = S[3 * plane + at + j];
          let tg = S[4 * plane + at + j];
          let so = S[5 * plane + at + j];
          let tc = S[6 * plane + at + j];
          var cPrev = 0.0;
          if (t > 0) { cPrev = S[plane + at - n + j]; }
          dc = dc + gh * so * (1.0 - tc * tc);
          result[x + j] = dc * tg * si * (1.0 - si);
          result[x + d + j] = dc * cPrev * sf * (1.0 - sf);
          result[x + 2 * d + j] = dc * si * (1.0 - tg * tg);
          result[x + 3 * d + j] = gh * tc * so * (1.0 - so);
          result[carryC + j] = dc * sf;`,
      carry: `var c = 0.0;
            for (var k = 0; k < d; k = k + 1) {
              let q = x + k;
              c = c + result[q] * W[k * d + j] + result[q + d] * W[(d + k) * d + j] + result[q + 2 * d] * W[(2 * d + k) * d + j] + result[q + 3 * d] * W[(3 * d + k) * d + j];
            }
            result[carryH + j] = c;`,
    });
  }
}

/** The forward's planes (7 × T × B × d) and h from xp (T × B × 4d) and W_hh (4d × d). */
export function lstmForwardOnWebgpu(xp: tf.Tensor3D, W_hh: tf.Tensor2D): PackedPlanes {
  const [T, B] = xp.shape;
  const d = W_hh.shape[1];
  const out = webgpuBackend().makeTensorInfo([PLANES.length, T, B, d], 'float32');
  return tf.tidy(() => packedPlanes(runPass(new LstmForward(T, B, d), [xp, tf.transpose(W_hh)], out, T, B, d) as tf.Tensor4D));
}

/** The planes by name (for the ops' backward where a probe taps in, and the check). */
export const unpackLstmPlanes = (packed: tf.Tensor4D): LstmPlanes => unpackPlanes(PLANES, packed);

/** The gate gradients (T × B × 4d), given ∂L/∂h_t from outside, the forward's planes and W_hh. */
export function lstmBackwardOnWebgpu(dH: tf.Tensor3D, planes: tf.Tensor4D, W_hh: tf.Tensor2D): tf.Tensor3D {
  const [T, B, d] = dH.shape;
  const size = T * B * 4 * d;
  const scratch = webgpuBackend().makeTensorInfo([size + 2 * B * d], 'float32');
  return tf.tidy(() => {
    const flat = runPass(new LstmBackward(T, B, d), [dH, planes, W_hh], scratch, T, B, d);
    return tf.reshape(tf.slice(flat, [0], [size]), [T, B, 4 * d]) as tf.Tensor3D;
  });
}
