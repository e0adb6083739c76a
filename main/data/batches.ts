/**
 * Examples → padded batches with lengths (the engine builds masks from them); splits at
 * random or by length (train short, test long); length buckets to keep padding small.
 */
import { permutation, type Rng } from '../engine/random.js';

/** The plain-array batch the engine turns into tensors (engine/batch.ts). */
export interface PlainBatch {
  /** token ids (batch × T) or features (batch × T × n), padded with zeros to one T */
  x: number[][] | number[][][];
  /** valid steps per sequence (≤ T) */
  lengths: number[];
  /** labels (batch) or targets (batch × T × outputs) */
  y: number[] | number[][][];
  /** absolute timestamps (batch × T) for cyclic clocks */
  time?: number[][];
}

/** One example, whatever its source (file or synthetic task). */
export interface SequenceItem {
  /** token ids; a file's texts are ranges of one buffer (TextItem) */
  tokens?: number[] | Int32Array;
  values?: number[][];
  label?: number;
  /** many-to-many targets, T × outputs */
  target?: number[][];
  time?: number[];
}

/**
 * A file's text as an item: its token ids are ids[begin … end) of one buffer that all texts
 * share, made a view only when asked for. Why not a view per item: a typed-array view costs
 * ≈ 80 B of heap beyond this object (145 against 65 B an item), 144 MB for the 1.8 M texts of
 * a 100 MB file.
 */
export class TextItem implements SequenceItem {
  constructor(
    private readonly ids: Int32Array,
    private readonly begin: number,
    private readonly end: number,
    readonly label: number,
  ) {}

  get tokens(): Int32Array {
    return this.ids.subarray(this.begin, this.end);
  }

  get length(): number {
    return this.end - this.begin;
  }
}

export function itemLength(e: SequenceItem): number {
  // a TextItem's length without making its view (bucketing reads every item's length)
  if (e instanceof TextItem) return e.length;
  return e.tokens?.length ?? e.values?.length ?? 0;
}

/** The shortest and longest of these items (a loop: a set may hold too many to spread into Math.min or Math.max). */
export function lengthRange(items: SequenceItem[]): { shortest?: number; longest?: number } {
  if (items.length === 0) return {};
  let [shortest, longest] = [Infinity, 0];
  for (const item of items) {
    const n = itemLength(item);
    if (n < shortest) shortest = n;
    if (n > longest) longest = n;
  }
  return { shortest, longest };
}

/** The longest item's length (0 for none). */
export function maxLength(items: SequenceItem[]): number {
  return lengthRange(items).longest ?? 0;
}

/** Steps (tokens or values) summed over items. */
export function totalLength(items: SequenceItem[]): number {
  return items.reduce((s, e) => s + itemLength(e), 0);
}

/** Pads to the longest item of the batch. */
export function toPlainBatch(items: SequenceItem[]): PlainBatch {
  const len = Math.max(...items.map(itemLength));
  const lengths = items.map(itemLength);
  const pad = <T>(row: ArrayLike<T>, fill: () => T) => [...Array.from(row), ...Array.from({ length: len - row.length }, fill)];
  const tokens = items[0].tokens !== undefined;
  const width = items[0].values?.[0]?.length ?? 0;
  const x = tokens ? items.map((e) => pad(e.tokens!, () => 0)) : items.map((e) => pad(e.values!, () => Array(width).fill(0)));
  const outputs = items[0].target?.[0]?.length ?? 0;
  const y = items[0].target ? items.map((e) => pad(e.target!, () => Array(outputs).fill(0))) : items.map((e) => e.label ?? 0);
  const batch: PlainBatch = { x, lengths, y };
  if (items[0].time) batch.time = items.map((e) => pad(e.time!, () => 0));
  return batch;
}

/** Random split by fractions (e.g. [0.8, 0.1, 0.1]); deterministic for the rng. */
export function splitRandom<T>(items: T[], fractions: number[], rng: Rng): T[][] {
  const order = permutation(items.length, rng);
  const total = fractions.reduce((a, b) => a + b, 0);
  const parts: T[][] = [];
  let start = 0;
  fractions.forEach((f, i) => {
    const end = i === fractions.length - 1 ? items.length : start + Math.round((items.length * f) / total);
    parts.push(order.slice(start, end).map((j) => items[j]));
    start = end;
  });
  return parts;
}

/** Train on lengths ≤ maxTrainLength, test on the longer ones: the length-generalization split. */
export function splitByLength<T extends SequenceItem>(items: T[], maxTrainLength: number): { train: T[]; test: T[] } {
  return { train: items.filter((e) => itemLength(e) <= maxTrainLength), test: items.filter((e) => itemLength(e) > maxTrainLength) };
}

/**
 * Shuffled batches whose members have similar lengths: sort by length inside chunks of
 * `batchSize × bucketFactor`, cut into batches, shuffle the batch order.
 */
export function bucketBatches<T extends SequenceItem>(items: T[], batchSize: number, rng: Rng, bucketFactor = 8): T[][] {
  const shuffled = permutation(items.length, rng).map((i) => items[i]);
  const batches: T[][] = [];
  const chunk = batchSize * bucketFactor;
  for (let s = 0; s < shuffled.length; s += chunk) {
    const sorted = shuffled.slice(s, s + chunk).sort((a, b) => itemLength(a) - itemLength(b));
    for (let b = 0; b < sorted.length; b += batchSize) batches.push(sorted.slice(b, b + batchSize));
  }
  return permutation(batches.length, rng).map((i) => batches[i]);
}

/** Groups items by exact length (for evaluation curves: one point per length). */
export function groupByLength<T extends SequenceItem>(items: T[]): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const e of items) {
    const l = itemLength(e);
    if (!groups.has(l)) groups.set(l, []);
    groups.get(l)!.push(e);
  }
  return new Map([...groups].sort((a, b) => a[0] - b[0]));
}
