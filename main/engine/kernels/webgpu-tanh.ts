/**
 * The shared tanh recurrence on webgpu as one dispatch a step, forward and backward.
 *
 * Why: tfjs-webgpu costs ≈ 50–100 µs of JavaScript and dispatch per op, and the recurrence as tfjs
 * ops is ≈ 12 of them a step (slices, matmul, add, tanh, the backward's adds, muls and matmuls,
 * the stacks): on an H200 a step of bench B or C took 140–250 ms whatever the model's size. Here a
 * forward step is one program, h_t = tanh(xp_t + h_{t−1}·W_hhᵀ), writing row t of the states in
 * place, and a backward step is one program that writes ∂L/∂z_t and the next carry.
 *
 * Each program reads rows of the tensor it writes (the states, or the backward's scratch): a
 * dispatch reads only rows earlier dispatches wrote, and WebGPU orders dispatches' storage writes.
 */
import * as tf from '@tensorflow/tfjs';
import { gap, ProgramCheck, recurrentDots, runSteps, StepProgram, THREAD, webgpuBackend } from './webgpu-programs.js';

/** Row t of H: z = xp_t + h_{t−1}·W_hhᵀ (h_{−1} = 0), h_t = tanh z. Inputs: Xp (T × B × d), W (d × d). */
class ForwardStep extends StepProgram {
  variableNames = ['Xp', 'W'];
  constructor(T: number, B: number, d: number) {
    super([T, B, d], 'rnnwb_tanh_forward', B * d);
  }
  getUserCode(): string {
    return `
      fn main(index : i32) {
        ${THREAD}
        var z = Xp[row + index];
        if (uniforms.step > 0) {
          ${recurrentDots(['z'])}
        }
        result[row + index] = tanh(z);
      }`;
  }
}

/**
 * One backward step into a scratch of T + 2 rows: rows 0…T−1 are ∂L/∂z, rows T and T+1 the carry
 * ∂L/∂h_t arriving from step t+1, in turn (read one, write the other). Thread (b, j) writes
 * ∂z_t[b, j] = (∂L/∂h_t + carry)[b, j] · (1 − h_t[b, j]²), and the carry for step t−1,
 * Σ_k ∂z_t[b, k] · W_hh[k, j], recomputing the ∂z_t[b, k] it needs (a read of rows others write
 * in this same dispatch would race). Inputs: DH and H (T × B × d), W (d × d).
 */
class BackwardStep extends StepProgram {
  variableNames = ['DH', 'H', 'W'];
  constructor(T: number, B: number, d: number) {
    super([T + 2, B, d], 'rnnwb_tanh_backward', B * d);
  }
  getUserCode(): string {
    return `
      fn main(index : i32) {
        ${THREAD}
        // the carry into step t (none at the last step), and where the one out of it goes
        let carryIn = uniforms.steps * n + (uniforms.step % 2) * n;
        let carryOut = uniforms.steps * n + ((uniforms.step + 1) % 2) * n;
        let last = uniforms.step == uniforms.steps - 1;
        let h = H[row + index];
        var g = DH[row + index];
        if (!last) { g = g + result[carryIn + index]; }
        result[row + index] = g * (1.0 - h * h);
        if (uniforms.step == 0) { return; }
        var carry = 0.0;
        let base = row + b * d;
        for (var k = 0; k < d; k = k + 1) {
          var gk = DH[base + k];
          if (!last) { gk = gk + result[carryIn + b * d + k]; }
          let hk = H[base + k];
          carry = carry + gk * (1.0 - hk * hk) * W[k * d + j];
        }
        result[carryOut + index] = carry;
      }`;
  }
}

/** States of all T steps (T × B × d) from the projected inputs (T × B × d) and W_hh (d × d). */
export function forwardOnWebgpu(xp: tf.Tensor3D, W_hh: tf.Tensor2D): tf.Tensor3D {
  const [T, B, d] = xp.shape;
  const H = webgpuBackend().makeTensorInfo([T, B, d], 'float32');
  return runSteps(new ForwardStep(T, B, d), [xp, W_hh], H, T, B, d) as tf.Tensor3D;
}

/** ∂L/∂z for all T (T × B × d), given ∂L/∂h_t from outside (dH), the states H and W_hh. */
export function backwardOnWebgpu(dH: tf.Tensor3D, H: tf.Tensor3D, W_hh: tf.Tensor2D): tf.Tensor3D {
  const [T, B, d] = dH.shape;
  const scratch = webgpuBackend().makeTensorInfo([T + 2, B, d], 'float32');
  return tf.tidy(() => tf.slice(runSteps(new BackwardStep(T, B, d), [dH, H, W_hh], scratch, T, B, d, true) as tf.Tensor3D, [0, 0, 0], [T, B, d]));
}

/**
 * Both programs against the same recurrence as tfjs ops, once per process (ProgramCheck):
 * h_t = tanh(xp_t + h_{t−1}Wᵀ); dz_t = (dH_t + dz_{t+1}W) ⊙ (1 − h_t²).
 */
const check = new ProgramCheck(() => {
  const [T, B, d] = [3, 2, 5];
  const xp = tf.randomUniform([T, B, d], -1, 1, 'float32', 7) as tf.Tensor3D;
  const W = tf.randomUniform([d, d], -0.5, 0.5, 'float32', 8) as tf.Tensor2D;
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
});

export const verifyWebgpuTanh = (): Promise<boolean> => check.verify();

/** True once verifyWebgpuTanh passed in this process: the recurrence then runs these programs. */
export const webgpuTanhReady = (): boolean => check.ready();
