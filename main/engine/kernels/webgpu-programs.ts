/**
 * What the recurrences' own webgpu programs share (webgpu-tanh.ts, webgpu-gru.ts): a program of
 * one thread per (sequence b, unit j), run once per time step with the step as a uniform, writing
 * into a tensor it also reads (rows earlier dispatches wrote: WebGPU orders dispatches' writes).
 */
import * as tf from '@tensorflow/tfjs';

let programsOn = true;

/**
 * Whether the cells use their own programs on webgpu (where their check passed) or the ops. A
 * run's calibration times both (engine/calibrate.ts): the programs cut dispatches 4–11× but do
 * their dot products plainly, which a large enough model may feel more than the dispatches.
 */
export function useWebgpuPrograms(on: boolean): void {
  programsOn = on;
}

export function webgpuProgramsOn(): boolean {
  return programsOn;
}

/** What this file needs of tfjs-backend-webgpu's backend (its class is not imported: the package is optional). */
export interface WebgpuBackend {
  runWebGPUProgram(program: object, inputs: tf.TensorInfo[], dtype: 'float32', uniforms?: { type: 'int32'; data: number[] }[], output?: tf.TensorInfo): tf.TensorInfo;
  makeTensorInfo(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

const WORKGROUP = 64;

/**
 * A program of B·d threads, one per (sequence b, unit j). The step and the sizes are uniforms:
 * one pipeline serves every t and every batch shape (tfjs keys pipelines by rank, and a shader
 * compile costs tens of ms: variable-length batches would compile one per length).
 */
export abstract class StepProgram {
  abstract variableNames: string[];
  readonly uniforms = 'step : i32, batch : i32, units : i32, steps : i32,';
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  constructor(
    readonly outputShape: number[],
    readonly shaderKey: string,
    threads: number,
  ) {
    this.dispatch = dispatchFor(threads);
  }
  abstract getUserCode(): string;
}

/** The start of every step program: thread (b, j) of B·d, and where row t of a T × B × d tensor begins. */
export const THREAD = `
        let d = uniforms.units;
        let n = uniforms.batch * d;
        if (index >= n) { return; }
        let b = index / d;
        let j = index - b * d;
        let row = uniforms.step * n;`;

/** WebGPU's guaranteed limit on workgroups along one dimension of a dispatch. */
const MAX_GROUPS = 65535;

/**
 * Workgroups for `threads` threads: along x, or over x and y past 65,535 of them (B·d over
 * 4.2 M), where tfjs-webgpu numbers the threads across both (its getGlobalIndex).
 */
export function dispatchFor(threads: number): [number, number, number] {
  const groups = Math.ceil(threads / WORKGROUP);
  return groups <= MAX_GROUPS ? [groups, 1, 1] : [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS), 1];
}

/** The uniforms of step t, in StepProgram.uniforms' order. */
export function stepUniforms(t: number, T: number, B: number, d: number): { type: 'int32'; data: number[] }[] {
  return [t, B, d, T].map((v) => ({ type: 'int32', data: [v] }));
}

export function webgpuBackend(): WebgpuBackend {
  return tf.backend() as unknown as WebgpuBackend;
}

/** `program` for t = 0…T−1 (or back), all writing into `output`, which is returned as a tensor. */
export function runSteps(program: StepProgram, inputs: tf.TensorInfo[], output: tf.TensorInfo, T: number, B: number, d: number, backward = false): tf.Tensor {
  const be = webgpuBackend();
  for (let i = 0; i < T; i++) {
    const t = backward ? T - 1 - i : i;
    be.runWebGPUProgram(program, inputs, 'float32', stepUniforms(t, T, B, d), output);
  }
  return tf.engine().makeTensorFromTensorInfo(output);
}

/**
 * A cell's programs, checked once per process against the cell's ops on this GPU: `gaps` builds,
 * as tensors, the largest differences between the two (forward and backward) on a small random
 * case. Why: a shader that fails to compile only logs, and its dispatches then leave garbage; a
 * failed check keeps the cell on its ops. Read without blocking (webgpu cannot).
 */
export class ProgramCheck {
  private passed = false;
  constructor(private readonly gaps: () => tf.Tensor[]) {}

  async verify(): Promise<boolean> {
    if (this.passed) return true;
    const worst = tf.tidy(() => tf.max(tf.stack(this.gaps())));
    try {
      this.passed = (await worst.data())[0] < 1e-4;
    } catch {
      this.passed = false;
    } finally {
      worst.dispose();
    }
    return this.passed;
  }

  /** The cell runs its programs: checked, wanted (useWebgpuPrograms), and webgpu in use. */
  ready(): boolean {
    return this.passed && programsOn && tf.getBackend() === 'webgpu';
  }
}

/** The largest absolute difference between two tensors, as a scalar. */
export function gap(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.max(tf.abs(tf.sub(a, b)));
}

/**
 * WGSL that writes row t of each plane of a (planes × T × B × d) output, in `order`, from the
 * expression `values` names for it (`plane` = T·B·d and `row`, `index` as THREAD sets them).
 */
export function planeWrites<P extends string>(order: readonly P[], values: Record<P, string>): string {
  return order.map((name, i) => `result[${i} * plane + row + index] = ${values[name]};`).join('\n        ');
}

/**
 * WGSL adding h_{t−1}·W_hhᵀ to each gate's running sum (`sums`, in W_hh's gate order): thread
 * (b, j) reads row t−1 of the states it writes (plane 0) and gate g's row g·d + j of W.
 */
export function recurrentDots(sums: string[]): string {
  return `let prev = row - n + b * d;
          for (var k = 0; k < d; k = k + 1) {
            let h = result[prev + k];
            ${sums.map((sum, g) => `${sum} = ${sum} + h * W[(${g} * d + j) * d + k];`).join('\n            ')}
          }`;
}
