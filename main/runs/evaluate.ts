/**
 * Measurements on a trained model: loss and metric over a set of items (batched), and the
 * length-generalization curve, where the unshared model's missing weights are a named
 * "no-weights" point rather than a failure.
 */
import * as tf from '@tensorflow/tfjs';
import type { LengthCurve, LengthPoint } from '../contract.js';
import { toPlainBatch, type SequenceItem } from '../data/batches.js';
import { disposeBatch, tensorBatch } from '../engine/batch.js';
import type { LossMode, SequenceModel } from '../engine/models/sequence-model.js';

const EVAL_BATCH = 128;

export interface Score {
  loss: number;
  /** accuracy (classify) or MSE (regress) */
  metric: number;
  n: number;
}

/** Loss and metric averaged over items (weighted by batch size). */
export function score(model: SequenceModel, items: SequenceItem[], mode: LossMode = 'mean'): Score | null {
  if (items.length === 0) return null;
  let loss = 0;
  let metric = 0;
  for (let s = 0; s < items.length; s += EVAL_BATCH) {
    const chunk = items.slice(s, s + EVAL_BATCH);
    const batch = tensorBatch(toPlainBatch(chunk));
    const [l, m] = tf.tidy(() => model.lossAndMetric(batch, mode, { inference: true }).map((t) => t.dataSync()[0]));
    disposeBatch(batch);
    loss += l * chunk.length;
    metric += m * chunk.length;
  }
  return { loss: loss / items.length, metric: metric / items.length, n: items.length };
}

/** Longest length the model has weights for (unshared core, learned position table), else ∞. */
export function weightLimit(model: SequenceModel): number {
  const c = model.config;
  let limit = Infinity;
  if (c.kind === 'unshared' && c.beyondMax === 'refuse') limit = c.maxLen;
  if (c.position.type === 'learned') limit = Math.min(limit, c.position.maxLen);
  return limit;
}

export function lengthCurve(
  model: SequenceModel,
  lengths: number[],
  itemsAt: (length: number) => SequenceItem[],
  info: { step: number; trainedMax: number; metricName: LengthCurve['metricName'] },
): LengthCurve {
  const limit = weightLimit(model);
  const points: LengthPoint[] = [...new Set(lengths)]
    .sort((a, b) => a - b)
    .map((length) => {
      if (length > limit) return { length, status: 'no-weights', loss: null, metric: null, n: 0 };
      const s = score(model, itemsAt(length));
      return { length, status: 'ok', loss: s?.loss ?? null, metric: s?.metric ?? null, n: s?.n ?? 0 };
    });
  return { kind: 'length-curve', step: info.step, metricName: info.metricName, trainedMax: info.trainedMax, points };
}
