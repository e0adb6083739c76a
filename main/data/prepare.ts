/** Datasets → SequenceItems the batcher pads: token ids for text, windows for series. */
import type { SequenceItem } from './batches.js';
import type { Series, TextExample } from './dataset.js';
import { clockFeatures, fitNormalizer, normalize, slidingWindows, splitChronological, type Clock, type Normalizer } from './series.js';
import type { Vocab } from './text.js';

export function textItems(examples: TextExample[], vocab: Vocab, maxLen?: number): SequenceItem[] {
  return examples.map((e) => ({ tokens: vocab.encode(maxLen ? e.tokens.slice(0, maxLen) : e.tokens), label: e.label }));
}

export interface ForecastOptions {
  /** steps of history per window */
  window: number;
  /** steps ahead to forecast at every step (default 1) */
  horizon?: number;
  /** share of each series (from its start) used for training */
  trainFraction?: number;
  /** cyclic sin/cos features from the dates (needs a time column) */
  clocks?: Clock[];
  /** reuse a normaliser fitted elsewhere (evaluation windows use the training statistics) */
  normalizer?: Normalizer;
}

export interface ForecastItems {
  train: SequenceItem[];
  test: SequenceItem[];
  /** fitted on the training part only; invert predictions with it */
  normalizer: Normalizer;
  /** inputs per step: values (+ 2 per clock) */
  features: number;
}

/**
 * Windows for many-to-many forecasting. Values are normalised with statistics of the
 * training part alone; test windows start after the training part (no overlap, no peeking).
 */
export function forecastItems(series: Series[], o: ForecastOptions): ForecastItems {
  const horizon = o.horizon ?? 1;
  const parts = series.map((s) => ({ s, split: splitChronological(s.values, o.trainFraction ?? 0.8) }));
  const normalizer = o.normalizer ?? fitNormalizer(parts.flatMap((p) => p.split.train));
  const clocks = o.clocks ?? [];
  const items = (s: Series, from: number, to: number): SequenceItem[] => {
    const values = normalize(s.values.slice(from, to), normalizer);
    if (clocks.length && !s.times) throw new Error('cyclic features need a time column');
    const clock = clocks.length ? clockFeatures(s.times!.slice(from, to), clocks) : null;
    const rows = values.map((v, t) => (clock ? [...v, ...clock[t]] : v));
    return slidingWindows(rows, o.window, horizon).map((w) => ({
      values: w.x,
      // targets are the value columns only, `horizon` steps ahead
      target: w.y.map((r) => r.slice(0, values[0].length)),
    }));
  };
  const train = parts.flatMap((p) => items(p.s, 0, p.split.train.length));
  const test = parts.flatMap((p) => items(p.s, p.split.train.length, p.s.values.length));
  return { train, test, normalizer, features: (series[0]?.values[0]?.length ?? 0) + 2 * clocks.length };
}
