/**
 * Measurements on a trained model: loss and metric over a set of items (batched), and the
 * length-generalization curve, where the unshared model's missing weights are a named
 * "no-weights" point rather than a failure.
 */
import * as tf from '@tensorflow/tfjs';
import type { LengthCurve, LengthPoint } from '../contract.js';
import { itemLength, toPlainBatch, type SequenceItem } from '../data/batches.js';
import { disposeBatch, tensorBatch } from '../engine/batch.js';
import type { LossMode, SequenceModel } from '../engine/models/sequence-model.js';
import { lossWeight } from '../engine/train.js';

const EVAL_BATCH = 128;

export interface Score {
  loss: number;
  /** accuracy (classify) or MSE (regress) */
  metric: number;
  n: number;
}

/**
 * Loss and metric over items: each batch's value weighted by what it is a mean over (sequences,
 * or valid steps for a regression's per-step means), so the result is that of one batch of all
 * items, whatever the batching. Batches hold items of similar length (sorted first): padded to
 * its longest item, a batch of mixed lengths ran 2–3× the steps it needed (SST-2 phrases: 1–52
 * tokens).
 */
export function score(model: SequenceModel, items: SequenceItem[], mode: LossMode = 'mean'): Score | null {
  if (items.length === 0) return null;
  const byLength = items.map((item, i) => ({ item, len: itemLength(item), i })).sort((a, b) => a.len - b.len || a.i - b.i);
  const perStep = model.config.head.type === 'regress';
  const sum = { loss: 0, lossWeight: 0, metric: 0, metricWeight: 0 };
  for (let s = 0; s < byLength.length; s += EVAL_BATCH) {
    const chunk = byLength.slice(s, s + EVAL_BATCH);
    const lengths = chunk.map((c) => c.len);
    const batch = tensorBatch(toPlainBatch(chunk.map((c) => c.item)));
    const [l, m] = tf.tidy(() => model.lossAndMetric(batch, mode, { inference: true }).map((t) => t.dataSync()[0]));
    disposeBatch(batch);
    const [wl, wm] = [lossWeight(model, lengths, mode), perStep ? lengths.reduce((a, b) => a + b, 0) : lengths.length];
    sum.loss += l * wl;
    sum.lossWeight += wl;
    sum.metric += m * wm;
    sum.metricWeight += wm;
  }
  return { loss: sum.loss / sum.lossWeight, metric: sum.metric / Math.max(sum.metricWeight, 1), n: items.length };
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
