/**
 * Instruments that look inside a model without changing it: per-timestep gradient
 * contributions dL/dh_t, output variance for identical inputs at different positions, and
 * the weight-identity record of which tensors each step used.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossMode, SequenceModel, TensorBatch } from './models/sequence-model.js';
import { readNow, type Reads } from './reads.js';

/**
 * ‖dL/dh_t‖ for t = 0…T−1 (Frobenius over the batch): how much each step's state moves the
 * loss. Computed by adding zeros to every h_t and differentiating with respect to them: one
 * zero tensor for all T where the core's fast kernels take it (their backward hands out
 * ∂L/∂h_t as it goes: about a training step's cost), else a zero "tap" per step through the
 * autodiff path (bench B: 0.73 s against 41 ms a training step). The kernels flush to zero
 * under 2^−100, so there the smallest nonzero values are ≈ 1e−30 instead of float32's 1e−45.
 */
export function timestepGradNorms(model: SequenceModel, batch: TensorBatch, mode: LossMode = 'mean'): number[] {
  return readNow(timestepGradReads(model, batch, mode));
}

/** timestepGradNorms as reads (engine/reads.ts), for the training loop, which awaits them. */
export function* timestepGradReads(model: SequenceModel, batch: TensorBatch, mode: LossMode = 'mean'): Reads<number[]> {
  const [b, len] = batch.mask.shape;
  const d = model.core.outputSize;
  const norms = tf.tidy(() => {
    if (model.core.acceptsProbe?.(len)) {
      const probe = tf.zeros([len, b, d]) as tf.Tensor3D;
      const g = tf.grad((p: tf.Tensor) => model.loss(batch, mode, { probe: p as tf.Tensor3D }))(probe);
      return tf.sqrt(tf.sum(tf.square(g), [1, 2]));
    }
    const taps = Array.from({ length: len }, () => tf.zeros([b, d]) as tf.Tensor2D);
    const grads = tf.grads((...t: tf.Tensor[]) => model.loss(batch, mode, { taps: t as tf.Tensor2D[] }))(taps);
    return tf.stack(grads.map((g) => tf.norm(g)));
  });
  return Array.from(yield norms);
}

/**
 * The page's position test: feed the same vector at every step and measure how much the
 * states differ across positions — var over time (unbiased, as torch.var), mean over units.
 * ≈ 0 means the model cannot tell positions apart (after the state settles).
 */
export function outputVarianceAcrossPositions(model: SequenceModel, len: number, value = 0.5): number {
  return tf.tidy(() => {
    const c = model.config;
    const x = c.input.type === 'embedding' ? tf.fill([1, len], 1, 'int32') : tf.fill([1, len, c.input.size], value);
    const mask = tf.ones([1, len]) as tf.Tensor2D;
    const states = model.core.forward(model.encode({ x }), { mask, inference: true });
    const mean = tf.mean(states, 1, true);
    const variance = tf.div(tf.sum(tf.square(tf.sub(states, mean)), 1), Math.max(len - 1, 1));
    return tf.mean(variance).dataSync()[0];
  });
}

export interface WeightUse {
  step: number;
  /** tfjs tensor ids of the parameters the step consumed, by role (W_xh, W_hh, bias…) */
  ids: number[];
  /** sum of the main tensor's values (W_hh, or the conv filter): same id ⇒ same values */
  checksum: number;
}

export interface WeightIdentity {
  steps: WeightUse[];
  /** how many distinct W_hh tensors the forward pass used: 1 when shared, T when not */
  distinctRecurrentTensors: number;
  /** true when every step used the very same tensors */
  shared: boolean;
}

/** RNN steps use [W_xh, W_hh, bias…]: W_hh is the recurrent tensor; the conv uses [filter, bias]. */
function primaryIndex(used: readonly unknown[]): number {
  return used.length > 2 ? 1 : 0;
}

/** Runs one forward pass over `len` steps and records which tensors each step used. */
export function weightIdentity(model: SequenceModel, len: number): WeightIdentity {
  const steps: WeightUse[] = [];
  tf.tidy(() => {
    const c = model.config;
    const x = c.input.type === 'embedding' ? tf.ones([1, len], 'int32') : tf.ones([1, len, c.input.size]);
    model.core.forward(model.encode({ x }), {
      trace: (step, used) => {
        const main = used[primaryIndex(used)];
        steps.push({ step, ids: used.map((v) => v.id), checksum: tf.sum(main).dataSync()[0] });
      },
    });
  });
  const recurrentIds = new Set(steps.map((s) => s.ids[primaryIndex(s.ids)]));
  return {
    steps,
    distinctRecurrentTensors: recurrentIds.size,
    shared: steps.every((s) => s.ids.join() === steps[0].ids.join()),
  };
}
