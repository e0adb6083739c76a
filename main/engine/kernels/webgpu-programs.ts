/**
 * What the recurrences' own webgpu programs share (webgpu-tanh.ts, webgpu-gru.ts,
 * webgpu-lstm.ts): a program that runs a pass, forward or backward, laid out one of two ways
 * (PassLayout):
 * - 'pass': up to STEPS_A_DISPATCH time steps in one dispatch. One workgroup per sequence b walks
 *   the steps in order, its threads sharing out the d units; a storage barrier between steps lets
 *   every thread read the row the others just wrote (workgroups never wait for each other: the
 *   sequences are independent).
 * - 'step': one dispatch a time step, a thread a unit of a sequence (B·⌈d/64⌉ workgroups); the
 *   row before is the dispatch before's.
 *
 * Why both (measured on an H100, a training step of the shared tanh): tfjs-webgpu costs ≈ 50–150
 * µs of JavaScript and dispatch per program, so a small model wants few dispatches: at bench A
 * and B 'pass' (37 a step) ran 107 and 66 steps/s, 'step' (135 and 235) 78 and 51. But 'pass'
 * keeps only B workgroups busy, each thread a long chain of dependent reads: at bench C (hidden
 * 1,024, batch 128) it ran 5.3 steps/s, 'step' 17–20. passLayout picks by size (pass-layout.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { webgpuDevice } from '../webgpu.js';
import { PASS_LAYOUTS, passLayout, withLayout, type PassLayout } from './pass-layout.js';

let programsOn = true;

/**
 * Whether the cells use their own programs on webgpu (where their check passed) or the ops. A
 * run's calibration times both (engine/calibrate.ts): the programs cut a step's dispatches by
 * 2T but use only B workgroups, which a large enough model may feel more than the dispatches.
 */
export function useWebgpuPrograms(on: boolean): void {
  programsOn = on;
}

export function webgpuProgramsOn(): boolean {
  return programsOn;
}

/** A check's gaps (ProgramCheck) taken in every layout: a pass may run either way. */
export function inEveryLayout(gaps: () => tf.Tensor[]): () => tf.Tensor[] {
  return () => PASS_LAYOUTS.flatMap((layout) => withLayout(layout, gaps));
}

/** What this file needs of tfjs-backend-webgpu's backend (its class is not imported: the package is optional). */
export interface WebgpuBackend {
  runWebGPUProgram(program: object, inputs: tf.TensorInfo[], dtype: 'float32', uniforms?: { type: 'int32' | 'float32'; data: number[] }[], output?: tf.TensorInfo): tf.TensorInfo;
  makeTensorInfo(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/**
 * Threads in a sequence's workgroup: a power of two from 32 (a warp) up to 256 (WebGPU's default
 * limit), near d, so that a small model leaves few threads idle.
 */
export function workgroupThreads(d: number): number {
  return Math.min(256, Math.max(32, 2 ** Math.ceil(Math.log2(d))));
}

/**
 * The cells' activations in WGSL, kept clear of exp's overflow, whose result WGSL leaves
 * indeterminate: its own tanh is only as accurate as sinh/cosh, so past |x| ≈ 88.7 a GPU may
 * return NaN (gpuweb issue 4458). In float32 tanh is ±1 from |x| ≈ 9.01, and σ(±80) is 1 and
 * 1.8e−35.
 */
const ACTIVATIONS = `
      fn tanhOf(x : f32) -> f32 { return tanh(clamp(x, -15.0, 15.0)); }
      fn sigmoid(x : f32) -> f32 { return 1.0 / (1.0 + exp(-clamp(x, -80.0, 80.0))); }`;

/**
 * WGSL both layouts' main() begins with: the sizes, and the workgroup's number `group` (tfjs
 * spreads a dispatch past 65,535 workgroups over y and z: numbered back here).
 */
const SIZES = `let d = uniforms.units;
        let n = uniforms.batch * d;
        let T = uniforms.steps;
        let plane = T * n;
        let group = i32((workgroupId.z * numWorkgroups.y + workgroupId.y) * numWorkgroups.x + workgroupId.x);`;

/** WGSL naming row t of sequence b: `at` in a T × B × d plane, `x` in a T × B × gates·d input. */
const rowOf = (gates: number) => `let at = t * n + b * d;
        let x = (t * uniforms.batch + b) * ${gates} * d;`;

/** Threads of a workgroup in the 'step' layout: a unit each, of one sequence. */
const STEP_THREADS = 64;

/**
 * A program of a pass over T steps, in the layout passLayout gives its sizes (see the top of this
 * file). The sizes are uniforms and only the workgroup's size is written into the shader: one
 * pipeline serves every batch shape (a shader compile costs tens of ms; variable-length batches
 * vary T and B).
 */
export abstract class SequenceProgram {
  abstract variableNames: string[];
  readonly uniforms = 'batch : i32, units : i32, steps : i32, start : i32, count : i32,';
  readonly workgroupSize: [number, number, number];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;
  protected readonly threads: number;
  readonly layout: PassLayout;
  constructor(
    readonly outputShape: number[],
    key: string,
    B: number,
    d: number,
    /** the order of the steps: forward passes walk t up, backward passes down */
    readonly direction: 'forward' | 'backward',
  ) {
    this.layout = passLayout(B, d);
    this.threads = this.layout === 'pass' ? workgroupThreads(d) : STEP_THREADS;
    this.workgroupSize = [this.threads, 1, 1];
    // (tfjs spreads a dispatch past 65,535 workgroups over y and z: main() numbers them back)
    this.dispatch = [this.layout === 'pass' ? B : B * Math.ceil(d / STEP_THREADS), 1, 1];
    this.shaderKey = `${key}_${this.layout}_${this.threads}`;
  }
  abstract getUserCode(): string;

  /**
   * The program's WGSL: `head` once, then for each of this dispatch's steps t (start … start +
   * count − 1, in `direction`) `unit` for each of the thread's units j, a storage barrier, and
   * (past step 0) `carry` for each unit. Names they may use: d, n = B·d, T, b, plane = T·n,
   * at = row t of sequence b in a T × B × d plane, x = the same row in a T × B × gates·d input.
   */
  protected main(gates: number, parts: { head?: string; unit: string; carry?: string }): string {
    if (this.layout === 'step') return this.mainOfStep(gates, parts);
    const steps =
      this.direction === 'forward'
        ? 'for (var t = uniforms.start; t < uniforms.start + uniforms.count; t = t + 1) {'
        : 'for (var t = uniforms.start + uniforms.count - 1; t >= uniforms.start; t = t - 1) {';
    const eachUnit = (body: string) => `for (var j = first; j < units; j = j + ${this.threads}) {
          ${body}
        }`;
    return `
      ${ACTIVATIONS}
      fn main(index : i32) {
        ${SIZES}
        let b = group;
        // d units, or none for a workgroup past the batch
        let units = select(0, d, b < uniforms.batch);
        let first = i32(localIndex);
        ${parts.head ?? ''}
        ${steps}
          ${rowOf(gates)}
          ${eachUnit(parts.unit)}
          storageBarrier();
          ${parts.carry ? `if (t > 0) {
            ${eachUnit(parts.carry)}
          }` : ''}
        }
      }`;
  }

  /**
   * The same parts in the 'step' layout: this dispatch's step t = start, a thread per unit j of
   * sequence b. `carry` belongs to the step walked before (t + 1 backward, t − 1 forward), whose
   * row the dispatch before wrote: it runs first, for the thread's own unit, as `unit` reads it.
   */
  private mainOfStep(gates: number, parts: { head?: string; unit: string; carry?: string }): string {
    const before = this.direction === 'forward' ? 'uniforms.start - 1' : 'uniforms.start + 1';
    return `
      ${ACTIVATIONS}
      fn main(index : i32) {
        ${SIZES}
        let blocks = (d + ${this.threads - 1}) / ${this.threads};
        let b = group / blocks;
        let j = (group % blocks) * ${this.threads} + i32(localIndex);
        if (b >= uniforms.batch || j >= d) { return; }
        ${parts.head ?? ''}
        ${parts.carry ? `{
          let t = ${before};
          if (t > 0 && t < T) {
            ${rowOf(gates)}
            ${parts.carry}
          }
        }` : ''}
        let t = uniforms.start;
        ${rowOf(gates)}
        ${parts.unit}
      }`;
  }
}

export function webgpuBackend(): WebgpuBackend {
  return tf.backend() as unknown as WebgpuBackend;
}

/**
 * Steps a dispatch walks at most. Why: a GPU that also drives a display stops a dispatch that runs
 * for seconds (Windows after 2 s; Linux under X after ≈ 5 s) and loses the device, and a length
 * curve may run 100,000 steps. A chunk carries on from the rows the one before it wrote.
 */
export const STEPS_A_DISPATCH = 256;

/** One pass of `program` into `output` (T × B × d, or what the program says), returned as a tensor. */
export function runPass(program: SequenceProgram, inputs: tf.TensorInfo[], output: tf.TensorInfo, T: number, B: number, d: number): tf.Tensor {
  const size = program.layout === 'pass' ? STEPS_A_DISPATCH : 1;
  const chunks = Array.from({ length: Math.ceil(T / size) }, (_, i) => i * size);
  for (const from of program.direction === 'forward' ? chunks : chunks.reverse()) {
    const uniforms = [B, d, T, from, Math.min(size, T - from)].map((v) => ({ type: 'int32' as const, data: [v] }));
    webgpuBackend().runWebGPUProgram(program, inputs, 'float32', uniforms, output);
  }
  return tf.engine().makeTensorFromTensorInfo(output);
}

/**
 * The checks' case: more units than a workgroup has threads (so a thread takes two, and the
 * workgroup spans several warps, which the storage barrier must hold together), three sequences.
 */
export const CHECK_SIZES = { T: 4, B: 3, d: 300 };

/**
 * A part's programs (a cell's, Adam's, the norms'), checked once per process against its ops on
 * this GPU: `gaps` builds, as tensors, the largest differences between the two on a random case
 * (for the cells, of CHECK_SIZES). Why: a shader that fails to compile only logs, and its
 * dispatches then leave garbage; a failed check keeps that part on its ops. Read without blocking
 * (webgpu cannot).
 */
export class ProgramCheck {
  private passed = false;
  constructor(private readonly gaps: () => tf.Tensor[]) {}

  async verify(): Promise<boolean> {
    if (this.passed) return true;
    // Why a scope: tfjs encodes many dispatches into one command buffer, and one invalid pipeline
    // (a shader that does not compile) invalidates all of it, the gap's own computation too, so
    // the gap would read as zeros: a pass. The scope hears the GPU's own word on the whole check.
    const device = webgpuDevice()!;
    device.pushErrorScope('validation');
    let worst: tf.Tensor | null = null;
    let largest = Infinity;
    try {
      worst = tf.tidy(() => tf.max(tf.stack(this.gaps())));
      largest = (await worst.data())[0];
    } catch {
      largest = Infinity;
    } finally {
      worst?.dispose();
      if (await device.popErrorScope()) largest = Infinity;
    }
    this.passed = largest < 1e-4;
    return this.passed;
  }

  /** The part runs its programs: checked, wanted (useWebgpuPrograms), and webgpu in use. */
  ready(): boolean {
    return this.passed && programsOn && tf.getBackend() === 'webgpu';
  }
}

/**
 * A forward's output as it lies (planes × T × B × d, the states h first) and the states as their
 * own tensor (the op's value). Why not a tensor a plane: unstacking the planes and stacking them
 * again for the backward cost a dispatch a plane each way (GRU 5 + 1, LSTM 7 + 1).
 */
export type PackedPlanes = { H: tf.Tensor3D; packed: tf.Tensor4D };

export function packedPlanes(packed: tf.Tensor4D): PackedPlanes {
  const [, T, B, d] = packed.shape;
  return { H: tf.reshape(tf.slice(packed, [0, 0, 0, 0], [1, T, B, d]), [T, B, d]), packed };
}

/** The planes by name (`order` as the program writes them), for the ops' backward (a probe) and the checks. */
export function unpackPlanes<P extends string>(order: readonly P[], packed: tf.Tensor4D): Record<P, tf.Tensor3D> {
  const planes = tf.unstack(packed) as tf.Tensor3D[];
  return Object.fromEntries(order.map((name, i) => [name, planes[i]])) as Record<P, tf.Tensor3D>;
}

const ELEMENT_WORKGROUP = 64;

/** A program of one thread per element, `count` of them (Adam's passes, the loss's gradient). */
export abstract class ElementProgram {
  abstract variableNames: string[];
  abstract uniforms: string;
  readonly workgroupSize: [number, number, number] = [ELEMENT_WORKGROUP, 1, 1];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number];
  constructor(
    readonly outputShape: number[],
    readonly shaderKey: string,
    count: number,
  ) {
    // (tfjs spreads a dispatch past 65,535 workgroups over y and z, and numbers `index` across them)
    this.dispatch = [Math.ceil(count / ELEMENT_WORKGROUP), 1, 1];
  }
  abstract getUserCode(): string;
}

/** Threads of a one-workgroup sum: WebGPU's default limit on a workgroup. */
const SUM_THREADS = 256;

/**
 * A program of one workgroup that sums a value over `count` items (the gradient norms, the
 * classifier loss): each thread adds the terms of items i = its index, + 256, … into `sum`, the
 * threads' sums are then added pairwise, and thread 0 runs `store` with the total as `total`.
 */
export abstract class WorkgroupSum {
  abstract variableNames: string[];
  abstract uniforms: string;
  abstract readonly outputShape: number[];
  abstract readonly shaderKey: string;
  readonly workgroupSize: [number, number, number] = [SUM_THREADS, 1, 1];
  readonly dispatchLayout = { x: [0] };
  readonly dispatch: [number, number, number] = [1, 1, 1];
  abstract getUserCode(): string;

  /** `helpers`: WGSL functions the term may call; `count`, `term` (of item i) and `store`: WGSL. */
  protected sum(parts: { helpers?: string; count: string; term: string; store: string }): string {
    return `
      var<workgroup> partial : array<f32, ${SUM_THREADS}>;
      ${parts.helpers ?? ''}
      fn main(index : i32) {
        let first = i32(localIndex);
        var sum = 0.0;
        for (var i = first; i < ${parts.count}; i = i + ${SUM_THREADS}) {
          ${parts.term}
        }
        partial[first] = sum;
        workgroupBarrier();
        for (var half = ${SUM_THREADS / 2}; half > 0; half = half / 2) {
          if (first < half) { partial[first] = partial[first] + partial[first + half]; }
          workgroupBarrier();
        }
        if (first == 0) {
          let total = partial[0];
          ${parts.store}
        }
      }`;
  }
}

/** The largest absolute difference between two tensors, as a scalar. */
export function gap(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.max(tf.abs(tf.sub(a, b)));
}

/**
 * WGSL that writes unit j of row `at` (= t·n + b·d) of each plane of a (planes × T × B × d)
 * output, in `order`, from the expression `values` names for it (`plane` = T·n).
 */
export function planeWrites<P extends string>(order: readonly P[], values: Record<P, string>): string {
  return order.map((name, i) => `result[${i} * plane + at + j] = ${values[name]};`).join('\n          ');
}

/**
 * WGSL adding h_{t−1}·W_hhᵀ to each gate's running sum (`sums`, in W_hh's gate order), for unit j
 * of sequence b: h_{t−1} is row t − 1 of plane 0 of the output (at − n), and Wt is W_hhᵀ
 * (d × G·d), so that the workgroup's threads read consecutive weights (row k, columns g·d + j).
 */
export function recurrentDots(sums: string[]): string {
  const G = sums.length;
  return `for (var k = 0; k < d; k = k + 1) {
            let h = result[at - n + k];
            let w = k * ${G} * d + j;
            ${sums.map((sum, g) => `${sum} = ${sum} + h * Wt[w${g ? ` + ${g} * d` : ''}];`).join('\n            ')}
          }`;
}
