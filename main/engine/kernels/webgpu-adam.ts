/**
 * Adam's update of one parameter on webgpu in two dispatches (FusedAdam's GPU path): the moments
 * in place, then the new weights. tf.train.adam takes ≈ 11 tfjs ops a parameter, each a dispatch
 * (≈ 50–150 µs of JavaScript and dispatch on webgpu): for the shared tanh at bench B that was ≈ 70
 * of a step's 136 dispatches. Same rule as FusedAdam's JS loop, the gradient scaled (a clip by
 * global norm) inside the pass.
 */
import * as tf from '@tensorflow/tfjs';
import { ElementProgram, gap, ProgramCheck, webgpuBackend } from './webgpu-programs.js';

/** m ← β1·m + (1 − β1)·g·s, v ← β2·v + (1 − β2)·(g·s)², in place in MV (m, then v). Input: G. */
class Moments extends ElementProgram {
  variableNames = ['G'];
  uniforms = 'count : i32, b1 : f32, b2 : f32, scale : f32,';
  constructor(count: number) {
    super([2 * count], 'rnnwb_adam_moments', count);
  }
  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.count) { return; }
        let g = G[index] * uniforms.scale;
        result[index] = uniforms.b1 * result[index] + (1.0 - uniforms.b1) * g;
        let v = uniforms.count + index;
        result[v] = uniforms.b2 * result[v] + (1.0 - uniforms.b2) * g * g;
      }`;
  }
}

/** w − step·m / (ε + √v·k), step and k the bias corrections (FusedAdam). Inputs: W, MV. */
class Weights extends ElementProgram {
  variableNames = ['W', 'MV'];
  uniforms = 'count : i32, step : f32, k : f32, eps : f32,';
  constructor(shape: number[], count: number) {
    super(shape, 'rnnwb_adam_weights', count);
  }
  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.count) { return; }
        let m = MV[index];
        let v = MV[uniforms.count + index];
        result[index] = W[index] - uniforms.step * m / (uniforms.eps + sqrt(v) * uniforms.k);
      }`;
  }
}

/** Adam's constants for one step (FusedAdam.applyGradients). */
export type AdamStep = { b1: number; b2: number; eps: number; step: number; k: number; scale: number };

/**
 * One Adam step of a parameter: its moments `mv` (m then v, 2·size, kept by the optimizer) are
 * updated in place, and the new weights are returned (a fresh tensor: the variable's memory may
 * be shared, e.g. by a snapshot).
 */
export function adamOnWebgpu(grad: tf.Tensor, weights: tf.Tensor, mv: tf.Tensor, c: AdamStep): tf.Tensor {
  const be = webgpuBackend();
  const count = weights.size;
  const size = { type: 'int32' as const, data: [count] };
  const f = (x: number) => ({ type: 'float32' as const, data: [x] });
  be.runWebGPUProgram(new Moments(count), [grad], 'float32', [size, f(c.b1), f(c.b2), f(c.scale)], mv);
  const out = be.runWebGPUProgram(new Weights(weights.shape, count), [weights, mv], 'float32', [size, f(c.step), f(c.k), f(c.eps)]);
  return tf.engine().makeTensorFromTensorInfo(out);
}

/** Empty moments for a parameter of `size` elements. */
export function adamMoments(size: number): tf.Tensor {
  return tf.zeros([2 * size]);
}

/** The programs against Adam as tfjs ops, two steps from zero moments, once per process (ProgramCheck). */
const check = new ProgramCheck(() => {
  const size = 1000;
  const c = { b1: 0.9, b2: 0.999, eps: 1e-7, step: 0.01, k: 2, scale: 0.5 };
  let w = tf.randomUniform([size], -1, 1, 'float32', 31);
  let [m, v] = [tf.zeros([size]), tf.zeros([size])];
  let ours = w;
  const mv = adamMoments(size);
  for (const seed of [32, 33]) {
    const g = tf.randomUniform([size], -1, 1, 'float32', seed);
    ours = adamOnWebgpu(g, ours, mv, c);
    const gs = tf.mul(g, c.scale);
    m = tf.add(tf.mul(m, c.b1), tf.mul(gs, 1 - c.b1));
    v = tf.add(tf.mul(v, c.b2), tf.mul(tf.square(gs), 1 - c.b2));
    w = tf.sub(w, tf.div(tf.mul(m, c.step), tf.add(tf.mul(tf.sqrt(v), c.k), c.eps)));
  }
  return [gap(ours, w), gap(mv, tf.concat([m, v]))];
});

export const verifyWebgpuAdam = (): Promise<boolean> => check.verify();

/** True once verifyWebgpuAdam passed in this process (and the programs are wanted, on webgpu). */
export const webgpuAdamReady = (): boolean => check.ready();
