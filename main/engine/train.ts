/**
 * One training step: loss (mean or length-normalized) → gradients → optional clip by global
 * norm → optimizer update, reporting what the Train and Charts views plot.
 */
import * as tf from '@tensorflow/tfjs';
import { FusedAdam } from './fused-adam.js';
import { webgpuAdamReady } from './kernels/webgpu-adam.js';
import { normsOnWebgpu, webgpuNormsReady } from './kernels/webgpu-norms.js';
import { tensorsInProcessMemory } from './in-process.js';
import { readNow, type Reads } from './reads.js';
import { SimdKernels } from './simd/simd-kernels.js';
import type { LossMode, SequenceModel, TensorBatch } from './models/sequence-model.js';

export type OptimizerName = 'adam' | 'sgd' | 'rmsprop';

export interface OptimizerConfig {
  name: OptimizerName;
  lr: number;
  /** SGD momentum (0 = plain SGD) */
  momentum?: number;
}

/**
 * Optimizers by name, so a RunConfig stays plain data. Adam on wasm/cpu is the fused JS
 * version (fused-adam.ts: same rule, one pass per parameter instead of ~10 tensor ops).
 */
export function createOptimizer(cfg: OptimizerConfig): tf.Optimizer {
  switch (cfg.name) {
    case 'adam':
      // (on webgpu where its programs passed their check and are wanted: useWebgpuPrograms)
      return tensorsInProcessMemory() || webgpuAdamReady() ? new FusedAdam(cfg.lr) : tf.train.adam(cfg.lr);
    case 'sgd':
      return cfg.momentum ? tf.train.momentum(cfg.lr, cfg.momentum) : tf.train.sgd(cfg.lr);
    case 'rmsprop':
      return tf.train.rmsprop(cfg.lr);
  }
}

export interface StepOptions {
  loss?: LossMode;
  /** clip gradients to this global L2 norm; undefined = no clipping */
  clip?: number;
}

export interface StepResult {
  loss: number;
  /** ‖g‖ over every parameter before clipping */
  gradNorm: number;
  /** ‖g‖ actually applied (equals gradNorm when no clipping happened) */
  gradNormClipped: number;
  /** ‖∂L/∂θ‖ per named parameter, before clipping */
  gradNorms: Record<string, number>;
}

/** Gradients of the model's loss for every named parameter (caller disposes). */
export function computeGradients(
  model: SequenceModel,
  batch: TensorBatch,
  mode: LossMode = 'mean',
): { loss: tf.Scalar; grads: Map<string, tf.Tensor | undefined> } {
  const names = [...model.vars.keys()];
  const vars = names.map((n) => model.vars.get(n)!);
  const { value, grads } = tf.variableGrads(() => model.loss(batch, mode), vars);
  const byName = new Map<string, tf.Tensor | undefined>();
  names.forEach((n, i) => byName.set(n, grads[vars[i].name]));
  return { loss: value, grads: byName };
}

/**
 * L2 norm of each gradient. Unused parameters (e.g. unshared weights past the batch's length)
 * get no gradient: norm 0. Where tensors live in this process's memory the sums run in place
 * (wasm: the SIMD kernel) or in JS over one read of each gradient (cpu) — a norm op per
 * parameter cost 19 ms a step for an unshared model with 150 parameters; elsewhere (GPU) the
 * norms are one stacked transfer.
 */
export function gradientNorms(grads: Map<string, tf.Tensor | undefined>): Record<string, number> {
  const names = [...grads.keys()];
  const simd = SimdKernels.current();
  if (simd) return Object.fromEntries(names.map((n) => [n, grads.get(n) ? Math.sqrt(simd.sumSquares(grads.get(n)!)) : 0]));
  if (tensorsInProcessMemory()) {
    return Object.fromEntries(names.map((n) => [n, l2(grads.get(n)?.dataSync() as Float32Array | undefined)]));
  }
  return byName(names, deviceNorms(grads).dataSync());
}

/** The gradients' norms as one vector, in `grads`' order: one transfer off a GPU. */
function deviceNorms(grads: Map<string, tf.Tensor | undefined>): tf.Tensor1D {
  if (webgpuNormsReady()) return normsOnWebgpu([...grads.values()]);
  return tf.tidy(() => tf.stack([...grads.values()].map((g) => (g ? tf.norm(g) : tf.scalar(0)))) as tf.Tensor1D);
}

function byName(names: string[], values: ArrayLike<number>): Record<string, number> {
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

function l2(values: Float32Array | undefined): number {
  if (!values) return 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * values[i];
  return Math.sqrt(sum);
}

/**
 * What a batch's loss is a mean over, so losses and gradients of shards combine into the
 * whole batch's: sequences, except the regression 'mean' loss, which averages valid steps.
 */
export function lossWeight(model: SequenceModel, lengths: ArrayLike<number>, mode: LossMode): number {
  if (model.config.head.type === 'classify' || mode === 'length-normalized') return lengths.length;
  let steps = 0;
  for (let i = 0; i < lengths.length; i++) steps += lengths[i];
  return Math.max(steps, 1);
}

export function trainStep(model: SequenceModel, optimizer: tf.Optimizer, batch: TensorBatch, opts: StepOptions = {}): StepResult {
  return readNow(stepReads(model, optimizer, batch, opts));
}

/**
 * A training step whose reads (the loss; on a GPU the norms too) are handed out (reads.ts):
 * trainStep runs it at once, the training loop awaiting each read, which webgpu needs.
 */
export function* stepReads(model: SequenceModel, optimizer: tf.Optimizer, batch: TensorBatch, opts: StepOptions = {}): Reads<StepResult> {
  const { loss, grads } = computeGradients(model, batch, opts.loss ?? 'mean');
  let done = false;
  try {
    const lossValue = (yield loss)[0];
    // off-process tensors: the norms in one read here, so applyStep reads nothing
    const norms = tensorsInProcessMemory() ? undefined : byName([...grads.keys()], yield deviceNorms(grads));
    done = true;
    return applyStep(model, optimizer, lossValue, grads, opts, norms);
  } finally {
    if (!done) tf.dispose([...grads.values()].filter((g): g is tf.Tensor => g !== undefined));
  }
}

/**
 * The update half of a step, for gradients however they were computed (one batch here, or
 * shards averaged across threads): norms, optional clip, optimizer update. Disposes `grads`.
 */
export function applyStep(model: SequenceModel, optimizer: tf.Optimizer, lossValue: number, grads: Map<string, tf.Tensor | undefined>, opts: StepOptions = {}, norms?: Record<string, number>): StepResult {
  const gradNorms = norms ?? gradientNorms(grads);
  const gradNorm = Math.sqrt(Object.values(gradNorms).reduce((s, v) => s + v * v, 0));
  const scale = opts.clip !== undefined && gradNorm > opts.clip ? opts.clip / gradNorm : 1;
  // Every parameter gets an entry, zeros where the batch did not reach it (unshared weights
  // past the batch's length): tfjs optimizers keep their slots by position, so a changing
  // set of names would pair a parameter with another one's Adam moments.
  // FusedAdam scales inside its pass; other optimizers get scaled copies
  const fused = optimizer instanceof FusedAdam;
  const named: tf.NamedTensorMap = {};
  const made: tf.Tensor[] = [];
  const zero = new Set<string>();
  for (const [name, v] of model.vars) {
    const g = grads.get(name);
    const applied = g ? (scale === 1 || fused ? g : tf.mul(g, scale)) : tf.zerosLike(v);
    if (applied !== g) made.push(applied);
    named[v.name] = applied;
    if (!g || gradNorms[name] === 0) zero.add(v.name);
  }
  if (fused) optimizer.applyGradients(named, zero, scale);
  else optimizer.applyGradients(named);
  tf.dispose([...[...grads.values()].filter((g): g is tf.Tensor => g !== undefined), ...made]);
  return { loss: lossValue, gradNorm, gradNormClipped: gradNorm * scale, gradNorms };
}
