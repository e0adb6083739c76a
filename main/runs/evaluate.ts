/**
 * Measurements on a trained model: loss and metric over a set of items (batched), and the
 * length-generalization curve, where the unshared model's missing weights are a named
 * "no-weights" point rather than a failure.
 */
import * as tf from '@tensorflow/tfjs';
import type { LengthCurve, LengthPoint, PackedBatch } from '../contract.js';
import { itemLength, toPlainBatch, type SequenceItem } from '../data/batches.js';
import { disposeBatch, packBatch, unpackBatch } from '../engine/batch.js';
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
  return scoreSet(model, evalSet(items), mode);
}

/** Items as score() batches them, packed: made once for a set scored again and again (validation). */
export function evalSet(items: SequenceItem[]): PackedBatch[] {
  const byLength = items.map((item, i) => ({ item, len: itemLength(item), i })).sort((a, b) => a.len - b.len || a.i - b.i);
  const batches: PackedBatch[] = [];
  for (let s = 0; s < byLength.length; s += EVAL_BATCH) batches.push(packBatch(toPlainBatch(byLength.slice(s, s + EVAL_BATCH).map((c) => c.item))));
  return batches;
}

/** score() over an evalSet: on the training thread, or on a validation helper (background-scorer.ts). */
export function scoreSet(model: SequenceModel, set: PackedBatch[], mode: LossMode = 'mean'): Score | null {
  return fromSums([scoreSums(model, set, mode)]);
}

/**
 * A set's losses and metrics, each batch's weighted by what it is a mean over, before the
 * division: parts of a set scored on different threads add up to the whole set's.
 */
export interface ScoreSums {
  loss: number;
  lossWeight: number;
  metric: number;
  metricWeight: number;
  n: number;
}

export function scoreSums(model: SequenceModel, set: PackedBatch[], mode: LossMode = 'mean'): ScoreSums {
  const perStep = model.config.head.type === 'regress';
  const sum: ScoreSums = { loss: 0, lossWeight: 0, metric: 0, metricWeight: 0, n: 0 };
  for (const packed of set) {
    const lengths = Array.from(packed.lengths);
    const batch = unpackBatch(packed);
    const [l, m] = tf.tidy(() => model.lossAndMetric(batch, mode, { inference: true }).map((t) => t.dataSync()[0]));
    disposeBatch(batch);
    const [wl, wm] = [lossWeight(model, lengths, mode), perStep ? lengths.reduce((a, b) => a + b, 0) : lengths.length];
    sum.loss += l * wl;
    sum.lossWeight += wl;
    sum.metric += m * wm;
    sum.metricWeight += wm;
    sum.n += lengths.length;
  }
  return sum;
}

/** The score of parts' sums together (null where they hold no item). */
export function fromSums(parts: ScoreSums[]): Score | null {
  const zero: ScoreSums = { loss: 0, lossWeight: 0, metric: 0, metricWeight: 0, n: 0 };
  const sum = parts.reduce((a, p) => ({ loss: a.loss + p.loss, lossWeight: a.lossWeight + p.lossWeight, metric: a.metric + p.metric, metricWeight: a.metricWeight + p.metricWeight, n: a.n + p.n }), zero);
  if (sum.n === 0) return null;
  return { loss: sum.loss / sum.lossWeight, metric: sum.metric / Math.max(sum.metricWeight, 1), n: sum.n };
}

/** A set dealt out to `threads` threads, batch by batch in turn (its batches are sorted by length, so each gets a like share). */
export function dealSet(set: PackedBatch[], threads: number): PackedBatch[][] {
  return Array.from({ length: threads }, (_, k) => set.filter((_, i) => i % threads === k));
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
