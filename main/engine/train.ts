/**
 * One training step: loss (mean or length-normalized) → gradients → optional clip by global
 * norm → optimizer update, reporting what the Train and Charts views plot.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossMode, SequenceModel, TensorBatch } from './models/sequence-model.js';

export type OptimizerName = 'adam' | 'sgd' | 'rmsprop';

export interface OptimizerConfig {
  name: OptimizerName;
  lr: number;
  /** SGD momentum (0 = plain SGD) */
  momentum?: number;
}

/** Optimizers by name, so a RunConfig stays plain data. */
export function createOptimizer(cfg: OptimizerConfig): tf.Optimizer {
  switch (cfg.name) {
    case 'adam':
      return tf.train.adam(cfg.lr);
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
 * L2 norm of each gradient, read back in one transfer.
 * Unused parameters (e.g. unshared weights past the batch's length) get no gradient: norm 0.
 */
export function gradientNorms(grads: Map<string, tf.Tensor | undefined>): Record<string, number> {
  const names = [...grads.keys()];
  const norms = tf.tidy(() => tf.stack(names.map((n) => (grads.get(n) ? tf.norm(grads.get(n)!) : tf.scalar(0)))).dataSync());
  return Object.fromEntries(names.map((n, i) => [n, norms[i]]));
}

export function trainStep(model: SequenceModel, optimizer: tf.Optimizer, batch: TensorBatch, opts: StepOptions = {}): StepResult {
  const { loss, grads } = computeGradients(model, batch, opts.loss ?? 'mean');
  const gradNorms = gradientNorms(grads);
  const gradNorm = Math.sqrt(Object.values(gradNorms).reduce((s, v) => s + v * v, 0));
  const scale = opts.clip !== undefined && gradNorm > opts.clip ? opts.clip / gradNorm : 1;
  const lossValue = loss.dataSync()[0];
  // Every parameter gets an entry, zeros where the batch did not reach it (unshared weights
  // past the batch's length): tfjs optimizers keep their slots by position, so a changing
  // set of names would pair a parameter with another one's Adam moments.
  const named: tf.NamedTensorMap = {};
  const made: tf.Tensor[] = [];
  for (const [name, v] of model.vars) {
    const g = grads.get(name);
    const applied = g ? (scale === 1 ? g : tf.mul(g, scale)) : tf.zerosLike(v);
    if (applied !== g) made.push(applied);
    named[v.name] = applied;
  }
  optimizer.applyGradients(named);
  tf.dispose([loss, ...[...grads.values()].filter((g): g is tf.Tensor => g !== undefined), ...made]);
  return { loss: lossValue, gradNorm, gradNormClipped: gradNorm * scale, gradNorms };
}
