/**
 * Measurements on a trained model: loss and metric over a set of items (batched), and the
 * length-generalization curve, where the unshared model's missing weights are a named
 * "no-weights" point rather than a failure.
 */
import * as tf from '@tensorflow/tfjs';
import type { LengthCurve, LengthPoint, ModelConfig, PackedBatch } from '../contract.js';
import { itemLength, lengthRange, toPlainBatch, type SequenceItem } from '../data/batches.js';
import { disposeBatch, packBatch, unpackBatch } from '../engine/batch.js';
import type { LossMode, SequenceModel } from '../engine/models/sequence-model.js';
import { readNow, type Reads } from '../engine/reads.js';
import { lossWeight } from '../engine/train.js';
import { weightLimit } from './run-checks.js';
import { evalRows } from './step-memory.js';

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
  return scoreSet(model, evalSet(items, model.config), mode);
}

/**
 * Items as score() batches them, packed: made once for a set scored again and again (validation).
 * Long sequences go fewer to a batch (step-memory.ts: 128 of 100,000 steps would not fit).
 */
export function evalSet(items: SequenceItem[], model: ModelConfig): PackedBatch[] {
  const byLength = items.map((item, i) => ({ item, len: itemLength(item), i })).sort((a, b) => a.len - b.len || a.i - b.i);
  const batches: PackedBatch[] = [];
  for (let s = 0; s < byLength.length; ) {
    // (sorted by length, each item taken is the batch's longest: it joins while its length allows that many rows)
    let rows = 1;
    while (s + rows < byLength.length && rows < EVAL_BATCH && rows + 1 <= evalRows(model, byLength[s + rows].len, EVAL_BATCH)) rows++;
    batches.push(packBatch(toPlainBatch(byLength.slice(s, s + rows).map((c) => c.item))));
    s += rows;
  }
  return batches;
}

/** score() over an evalSet: on the training thread, or on a validation helper (background-scorer.ts). */
export function scoreSet(model: SequenceModel, set: PackedBatch[], mode: LossMode = 'mean'): Score | null {
  return readNow(scoreReads(model, set, mode));
}

/** scoreSet as reads (engine/reads.ts): the training loop's validation awaits them. */
export function* scoreReads(model: SequenceModel, set: PackedBatch[], mode: LossMode = 'mean'): Reads<Score | null> {
  return fromSums([yield* sumsReads(model, set, mode)]);
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
  return readNow(sumsReads(model, set, mode));
}

/** scoreSums as reads (engine/reads.ts): the training loop awaits them (webgpu cannot block). */
export function* sumsReads(model: SequenceModel, set: PackedBatch[], mode: LossMode = 'mean'): Reads<ScoreSums> {
  const perStep = model.config.head.type === 'regress';
  const sum: ScoreSums = { loss: 0, lossWeight: 0, metric: 0, metricWeight: 0, n: 0 };
  for (const packed of set) {
    const lengths = Array.from(packed.lengths);
    const batch = unpackBatch(packed);
    let both: tf.Tensor;
    try {
      both = tf.tidy(() => tf.stack(model.lossAndMetric(batch, mode, { inference: true })));
    } finally {
      disposeBatch(batch);
    }
    const [l, m] = yield both;
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

/**
 * buckets: itemsAt(L) is a bucket of a file's lengths up to L (PreparedData.evalBuckets), whose
 * examples may all fit a limit L passes; else they are exactly L long, and none are made past it.
 */
type CurveInfo = { step: number; trainedMax: number; metricName: LengthCurve['metricName']; buckets?: boolean };

export function lengthCurve(model: SequenceModel, lengths: number[], itemsAt: (length: number) => SequenceItem[], info: CurveInfo): LengthCurve {
  return readNow(lengthCurveReads(model, lengths, itemsAt, info));
}

/** lengthCurve as reads (engine/reads.ts), for the training loop's last curve. */
export function* lengthCurveReads(model: SequenceModel, lengths: number[], itemsAt: (length: number) => SequenceItem[], info: CurveInfo): Reads<LengthCurve> {
  const limit = weightLimit(model.config);
  const points: LengthPoint[] = [];
  for (const length of [...new Set(lengths)].sort((a, b) => a - b)) {
    // (a task's examples past the limit would be made only to be refused: 256 of 100,000 steps)
    if (!info.buckets && length > limit) {
      points.push({ length, status: 'no-weights', loss: null, metric: null, n: 0 });
      continue;
    }
    const items = itemsAt(length);
    const range = lengthRange(items);
    // a bucket is judged by its examples' own lengths: it may hold only lengths the model has
    // weights for (and was trained on)
    if ((range.longest ?? length) > limit) {
      points.push({ length, status: 'no-weights', loss: null, metric: null, n: 0, ...range });
      continue;
    }
    const s = yield* scoreReads(model, evalSet(items, model.config));
    points.push({ length, status: 'ok', loss: s?.loss ?? null, metric: s?.metric ?? null, n: s?.n ?? 0, ...range });
  }
  return { kind: 'length-curve', step: info.step, metricName: info.metricName, trainedMax: info.trainedMax, points };
}
