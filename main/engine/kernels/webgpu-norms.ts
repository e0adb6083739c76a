/**
 * The gradients' L2 norms on webgpu as one dispatch a gradient, all writing into one vector (read
 * once a step by the training loop). tf.norm is ≈ 5 tfjs ops a tensor (abs, square, a sum in one
 * or two passes, sqrt) and the stack one more: for the shared tanh at bench B ≈ 21 of a step's 76
 * dispatches.
 */
import * as tf from '@tensorflow/tfjs';
import { gap, ProgramCheck, webgpuBackend } from './webgpu-programs.js';

const THREADS = 256;

/**
 * √Σg² of one gradient into element `slot` of the output, by one workgroup: each thread sums the
 * squares of a stride of it, then the workgroup adds the partial sums pairwise.
 */
class Norm {
  variableNames = ['G'];
  uniforms = 'count : i32, slot : i32,';
  readonly workgroupSize: [number, number, number] = [THREADS, 1, 1];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number] = [1, 1, 1];
  readonly shaderKey = 'rnnwb_norm';
  constructor(readonly outputShape: number[]) {}
  getUserCode(): string {
    return `
      var<workgroup> partial : array<f32, ${THREADS}>;
      fn main(index : i32) {
        let first = i32(localIndex);
        var sum = 0.0;
        for (var i = first; i < uniforms.count; i = i + ${THREADS}) {
          let g = G[i];
          sum = sum + g * g;
        }
        partial[first] = sum;
        workgroupBarrier();
        for (var half = ${THREADS / 2}; half > 0; half = half / 2) {
          if (first < half) { partial[first] = partial[first] + partial[first + half]; }
          workgroupBarrier();
        }
        if (first == 0) { result[uniforms.slot] = sqrt(partial[0]); }
      }`;
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
