/** Datasets → SequenceItems the batcher pads: token ids for text, windows for series. */
import { TextItem, type SequenceItem } from './batches.js';
import type { Series, TextCorpus } from './dataset.js';
import { clockFeatures, fitNormalizer, normalize, slidingWindows, splitChronological, type Clock, type Normalizer } from './series.js';
import { tokenCounts, Vocab, type VocabOptions } from './text.js';

/** Every text of a corpus, by number: what a split or a subset picks from. */
export function corpusRows(corpus: TextCorpus): number[] {
  return Array.from(corpus.labels, (_, i) => i);
}

/**
 * These texts (rows) of a corpus → items of vocabulary ids, cut to maxLen tokens. Each item's
 * ids are a range of one buffer for all of them (TextItem).
 */
export function textItems(corpus: TextCorpus, rows: readonly number[], vocab: Vocab, maxLen?: number): TextItem[] {
  const { ids, starts, labels } = corpus;
  const lookup = vocab.lookup(corpus.tokens);
  const cut = (r: number) => (maxLen ? Math.min(maxLen, starts[r + 1] - starts[r]) : starts[r + 1] - starts[r]);
  const flat = new Int32Array(rows.reduce((s, r) => s + cut(r), 0));
  let at = 0;
  return rows.map((r) => {
    const begin = at;
    for (let k = starts[r], end = k + cut(r); k < end; k++) flat[at++] = lookup[ids[k]];
    return new TextItem(flat, begin, at, labels[r]);
  });
}

/** The vocabulary of these texts (the training split: validation never adds to it). */
export function textVocab(corpus: TextCorpus, rows: readonly number[], opts: VocabOptions): Vocab {
  return Vocab.fromCounts(corpus.tokens, tokenCounts(corpus.ids, corpus.starts, rows, corpus.tokens.length), opts);
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
