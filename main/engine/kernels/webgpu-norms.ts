/**
 * The gradients' L2 norms on webgpu as one dispatch a gradient, all writing into one vector (read
 * once a step by the training loop). tf.norm is ≈ 5 tfjs ops a tensor (abs, square, a sum in one
 * or two passes, sqrt) and the stack one more: for the shared tanh at bench B ≈ 21 of a step's 76
 * dispatches.
 */
import * as tf from '@tensorflow/tfjs';
import { gap, ProgramCheck, webgpuBackend, WorkgroupSum } from './webgpu-programs.js';

/** √Σg² of one gradient into element `slot` of the output, by one workgroup (WorkgroupSum). */
class Norm extends WorkgroupSum {
  variableNames = ['G'];
  uniforms = 'count : i32, slot : i32,';
  readonly shaderKey = 'rnnwb_norm';
  constructor(readonly outputShape: number[]) {
    super();
  }
  getUserCode(): string {
    return this.sum({ count: 'uniforms.count', term: 'let g = G[i];\n          sum = sum + g * g;', store: 'result[uniforms.slot] = sqrt(total);' });
  }
}

/** The L2 norm of each gradient (0 where there is none), as one vector, in order. */
export function normsOnWebgpu(grads: (tf.Tensor | undefined)[]): tf.Tensor1D {
  const be = webgpuBackend();
  // zeros: a missing gradient's slot is never written
  const out = tf.zeros([grads.length]);
  grads.forEach((g, slot) => {
    if (g && g.size > 0) be.runWebGPUProgram(new Norm([grads.length]), [g], 'float32', [{ type: 'int32', data: [g.size] }, { type: 'int32', data: [slot] }], out);
  });
  return out as tf.Tensor1D;
}

/** The program against tf.norm, once per process (ProgramCheck): sizes under, at and far past a workgroup, and a missing one. */
const check = new ProgramCheck(() => {
  // (norms near 1, so that the check's absolute 1e-4 is float32's rounding many times over)
  const grads = [1, 256, 1000, 70_000].map((n, i) => tf.randomUniform([n], -1 / Math.sqrt(n), 1 / Math.sqrt(n), 'float32', 51 + i));
  const mine = normsOnWebgpu([...grads, undefined]);
  return [gap(mine, tf.stack([...grads.map((g) => tf.norm(g)), tf.scalar(0)]))];
});

export const verifyWebgpuNorms = (): Promise<boolean> => check.verify();

/** True once verifyWebgpuNorms passed in this process (and the programs are wanted, on webgpu). */
export const webgpuNormsReady = (): boolean => check.ready();
