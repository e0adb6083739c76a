/** Turning data into trainable sequences: tokens, vocabularies, series windows, synthetic tasks, batches. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bucketBatches, groupByLength, itemLength, splitByLength, splitRandom, toPlainBatch } from '../../main/data/batches.js';
import { corpusRows, forecastItems, textItems, textVocab } from '../../main/data/prepare.js';
import { clockFeatures, fillGaps, parseDate, slidingWindows } from '../../main/data/series.js';
import { KEYWORD_IDS, makeTask, TASKS, type TaskName } from '../../main/data/tasks.js';
import { countTokens, numberTokens, PAD_ID, TOKEN, UNK_ID, unknownShare } from '../../main/data/text.js';
import { createRng } from '../../main/engine/random.js';
import { cyclicFeatures } from '../../main/engine/position.js';
import { datasetsDir } from '../helpers/fixtures.js';

/** A text's tokens, as numberTokens finds them. */
function tokensOf(text: string): string[] {
  const { tokens, ids } = numberTokens([text]);
  return Array.from(ids, (id) => tokens[id]);
}

/** Texts numbered as a dataset's corpus, each with label 0. */
function corpusOf(texts: string[]) {
  return { ...numberTokens(texts), labels: new Int32Array(texts.length), lines: Int32Array.from(texts, (_, i) => i + 2) };
}

describe('tokenizer and vocabulary', () => {
  it('lowercases and splits words from punctuation, keeping clitics and inner hyphens', () => {
    expect(tokensOf("It's NOT bad -- k-19, really...!")).toEqual(["it's", 'not', 'bad', '--', 'k-19', ',', 'really', '...', '!']);
    expect(tokensOf('it \'s a film')).toEqual(['it', "'s", 'a', 'film']);
  });
  it('the scanner finds exactly what the TOKEN expression matches: every SST-2 line, and random text of tricky code points', () => {
    const byRegex = (text: string) => text.toLowerCase().match(TOKEN) ?? [];
    const lines = ['sst2-train.tsv', 'sst2-dev.tsv'].flatMap((f) => readFileSync(resolve(datasetsDir, f), 'utf8').split(/\r?\n/));
    // astral letters and emoji, lone surrogates, combining marks, Unicode spaces and digits, a zero-width space (not \s)
    const pool = ['a', 'Z', '0', ' ', '\t', '\n', '\u00a0', '\u2003', '\u3000', '\ufeff', "'", '’', '.', '/', '-', ',', '!', '…', 'é', 'É', 'ß', 'İ', 'ﬁ', '\u0301', '日', '٣', 'Ⅻ', '😀', '𝐀', '\ud800', '\udc00', '\u0000', '\u200b', '_', '$'];
    const rng = createRng(11);
    const random = Array.from({ length: 3000 }, () => Array.from({ length: 1 + rng.int(24) }, () => pool[rng.int(pool.length)]).join(''));
    const texts = [...lines, ...random, '', 'x', "'", "a'", "'a", "don't.'s--''", 'a.b.', '😀😀😀 ..'];
    const numbered = numberTokens(texts);
    texts.forEach((text, i) => {
      const expected = byRegex(text);
      expect([...numbered.ids.subarray(numbered.starts[i], numbered.starts[i + 1])].map((id) => numbered.tokens[id]), JSON.stringify(text)).toEqual(expected);
      expect(countTokens(text)).toBe(expected.length);
    });
    expect(new Set(numbered.tokens).size).toBe(numbered.tokens.length);
  });
  it('a vocabulary counted over some texts of a corpus; items map every id through it', () => {
    const texts = ['b a c', 'a b', 'a d', 'e'];
    const corpus = { ...numberTokens(texts), labels: Int32Array.of(0, 1, 0, 1), lines: Int32Array.of(2, 3, 4, 5) };
    expect(corpusRows(corpus)).toEqual([0, 1, 2, 3]);
    const fromCounts = textVocab(corpus, [0, 1, 2], { minFreq: 1 });
    expect(fromCounts.tokens).toEqual(['<pad>', '<unk>', 'a', 'b', 'c', 'd']);
    expect(textVocab(corpus, [0, 1, 2, 3], { minFreq: 2 }).tokens).toEqual(['<pad>', '<unk>', 'a', 'b']);
    expect(textVocab(corpus, [3, 1], { minFreq: 1 }).tokens).toEqual(['<pad>', '<unk>', 'a', 'b', 'e']);
    // 'e' was never counted: <unk>; maxLen cuts; rows in the order asked
    const items = textItems(corpus, [0, 1, 2, 3], fromCounts, 2);
    expect(items.map((e) => ({ tokens: Array.from(e.tokens), label: e.label }))).toEqual([{ tokens: [3, 2], label: 0 }, { tokens: [2, 3], label: 1 }, { tokens: [2, 5], label: 0 }, { tokens: [UNK_ID], label: 1 }]);
    // each item's ids are a range of one buffer; its length is known without a view, and
    // batches pad it like any item's
    expect(new Set(items.map((e) => e.tokens.buffer)).size).toBe(1);
    expect(items.map(itemLength)).toEqual([2, 2, 2, 1]);
    expect(toPlainBatch(items.slice(2))).toEqual({ x: [[2, 5], [UNK_ID, 0]], lengths: [2, 1], y: [0, 1] });
    expect(textItems(corpus, [2, 0], fromCounts).map((e) => Array.from(e.tokens))).toEqual([[2, 5], [3, 2, 4]]);
  });
  it('ids: <pad> 0, <unk> 1, then by frequency (ties alphabetical); min-frequency and max-size; OOV rate', () => {
    const corpus = corpusOf(['b a c', 'a b', 'a d']);
    const rows = corpusRows(corpus);
    const v = textVocab(corpus, rows, {});
    expect(v.tokens).toEqual(['<pad>', '<unk>', 'a', 'b', 'c', 'd']);
    expect(v.id('<pad>')).toBe(PAD_ID);
    expect([v.id('a'), v.id('zzz')]).toEqual([2, UNK_ID]);
    const frequent = textVocab(corpus, rows, { minFreq: 2 });
    expect(frequent.tokens).toEqual(['<pad>', '<unk>', 'a', 'b']);
    expect(textVocab(corpus, rows, { maxSize: 3 }).tokens).toEqual(['<pad>', '<unk>', 'a']);
    expect(unknownShare([['a', 'c', 'd', 'b'].map((t) => frequent.id(t))])).toBe(0.5);
  });
});

describe('time series', () => {
  it('parses European day-first dates with dots, with or without a time; rejects impossible ones', () => {
    expect(new Date(parseDate('31.01.1981')).toISOString()).toBe('1981-01-31T00:00:00.000Z');
    expect(new Date(parseDate('4.7.1976 9:05')).toISOString()).toBe('1976-07-04T09:05:00.000Z');
    expect(new Date(parseDate('04.07.1976 23:59:30')).toISOString()).toBe('1976-07-04T23:59:30.000Z');
    for (const bad of ['31.02.2020', '01.13.2020', '01.01.2020 24:00', '1.1.20']) expect(parseDate(bad), bad).toBeNaN();
  });

  it('parses ISO days, months, datetimes with zones and US dates; rejects impossible dates', () => {
    expect(new Date(parseDate('1981-01-31')).toISOString()).toBe('1981-01-31T00:00:00.000Z');
    expect(new Date(parseDate('1949-03')).toISOString()).toBe('1949-03-01T00:00:00.000Z');
    expect(new Date(parseDate('2020-06-01T12:30:00+02:00')).toISOString()).toBe('2020-06-01T10:30:00.000Z');
    expect(new Date(parseDate('7/4/1976')).toISOString()).toBe('1976-07-04T00:00:00.000Z');
    expect(parseDate('2021-02-30')).toBeNaN();
    expect(parseDate('yesterday')).toBeNaN();
  });
  it('clock features are sin/cos of hour-of-day, day-of-week, day-of-year, month', () => {
    const noon = Date.UTC(2020, 0, 1, 12);
    const [f] = clockFeatures([noon], ['24h']);
    expect(f[0]).toBeCloseTo(Math.sin(Math.PI), 10); // 12 h of 24 = half a cycle
    expect(f[1]).toBeCloseTo(-1, 10);
    const months = clockFeatures([Date.UTC(1949, 0, 1), Date.UTC(1950, 0, 1)], ['12mo']);
    expect(months[0][0]).toBeCloseTo(months[1][0], 10); // one year apart: same phase
    // days since 1970 with period 7 match the engine's cyclic features with the same counter
    const day = Date.UTC(2020, 0, 10);
    expect(clockFeatures([day], ['7d'])[0][0]).toBeCloseTo(cyclicFeatures([day / 86_400_000], [7])[0][0], 10);
  });
  it('windows: x = rows [s, s+L), y = the next row after each', () => {
    const rows = [0, 1, 2, 3, 4, 5].map((v) => [v]);
    const w = slidingWindows(rows, 3, 1);
    expect(w).toHaveLength(3);
    expect(w[0]).toEqual({ start: 0, x: [[0], [1], [2]], y: [[1], [2], [3]] });
    expect(w[2].y).toEqual([[3], [4], [5]]);
  });
  it('normalisation is fitted on the training part only', () => {
    const values = Array.from({ length: 100 }, (_, t) => [t < 80 ? 10 : 1000]);
    const items = forecastItems([{ id: 's', times: null, values }], { window: 5, trainFraction: 0.8 });
    expect(items.normalizer.mean[0]).toBe(10);
    expect(items.normalizer.std[0]).toBe(1); // constant training part: unit scale, not a division by zero
    expect(items.train.every((it) => it.values!.every((r) => r[0] === 0))).toBe(true);
    expect(items.test[0].values![0][0]).toBe(990);
    expect(items.train).toHaveLength(80 - 5);
    expect(items.test).toHaveLength(20 - 5);
  });
  it('cyclic clocks add 2 features per clock; targets stay the value columns', () => {
    const times = Array.from({ length: 40 }, (_, t) => Date.UTC(2000, t, 1));
    const values = times.map((_, t) => [t]);
    const items = forecastItems([{ id: 's', times, values }], { window: 12, clocks: ['12mo'] });
    expect(items.features).toBe(3);
    expect(items.train[0].values![0]).toHaveLength(3);
    expect(items.train[0].target![0]).toHaveLength(1);
  });
});

describe('synthetic tasks', () => {
  const names = Object.keys(TASKS) as TaskName[];
  it.each(names)('%s: deterministic for a seed, lengths in range, answers correct', (name) => {
    const a = makeTask(name, { count: 200, minLen: 3, maxLen: 30, seed: 11 });
    const b = makeTask(name, { count: 200, minLen: 3, maxLen: 30, seed: 11 });
    expect(a).toEqual(b);
    expect(makeTask(name, { count: 200, minLen: 3, maxLen: 30, seed: 12 })).not.toEqual(a);
    for (const e of a.examples) {
      const len = e.tokens?.length ?? e.values!.length;
      expect(len).toBe(e.length);
      expect(len).toBeGreaterThanOrEqual(3);
      expect(len).toBeLessThanOrEqual(30);
      expect(e.label).toBeLessThan(a.classes);
      if (e.tokens) expect(Math.max(...e.tokens)).toBeLessThan(a.width);
      if (e.values) expect(e.values[0]).toHaveLength(a.width);
    }
    const labels = new Set(a.examples.map((e) => e.label));
    expect(labels.size).toBe(a.classes); // every class occurs
  });
  it('answers follow the definitions', () => {
    for (const e of makeTask('parity', { count: 50, minLen: 1, maxLen: 9, seed: 1 }).examples) {
      expect(e.label).toBe(e.values!.filter(([v]) => v === 1).length % 2);
    }
    for (const e of makeTask('adding', { count: 50, minLen: 2, maxLen: 9, seed: 1 }).examples) {
      const marked = e.values!.filter(([, m]) => m === 1);
      expect(marked).toHaveLength(2);
      expect(e.label).toBe(marked[0][0] + marked[1][0] > 1 ? 1 : 0);
    }
    for (const e of makeTask('recall', { count: 50, minLen: 1, maxLen: 9, seed: 1 }).examples) expect(e.tokens![0]).toBe(e.label + 1);
    for (const e of makeTask('position', { count: 50, minLen: 3, maxLen: 9, seed: 1 }).examples) expect(e.label).toBe(e.tokens![2] === 1 ? 1 : 0);
  });
  it('keyword positions can be restricted (train at 5, test at 7)', () => {
    const train = makeTask('keyword', { count: 100, minLen: 10, maxLen: 10, seed: 1, positions: [5] });
    for (const e of train.examples) {
      const at = e.tokens!.findIndex((t) => t === KEYWORD_IDS.good || t === KEYWORD_IDS.bad);
      expect(at).toBe(5);
      expect(e.tokens!.filter((t) => t < KEYWORD_IDS.firstFiller)).toHaveLength(1);
      expect(e.label).toBe(e.tokens![5] === KEYWORD_IDS.good ? 1 : 0);
    }
  });
});

describe('batches and splits', () => {
  const items = makeTask('parity', { count: 300, minLen: 2, maxLen: 40, seed: 3 }).examples;
  it('pads to the batch’s longest sequence, lengths kept', () => {
    const b = toPlainBatch([{ values: [[1], [1]], label: 1 }, { values: [[0]], label: 0 }]);
    expect(b).toEqual({ x: [[[1], [1]], [[0], [0]]], lengths: [2, 1], y: [1, 0] });
    const t = toPlainBatch([{ tokens: [4, 5, 6], label: 1 }, { tokens: [7], label: 0 }]);
    expect(t.x).toEqual([[4, 5, 6], [7, 0, 0]]);
  });
  it('split by length: train ≤ L, test > L', () => {
    const { train, test } = splitByLength(items, 20);
    expect(train.length + test.length).toBe(300);
    expect(Math.max(...train.map(itemLength))).toBeLessThanOrEqual(20);
    expect(Math.min(...test.map(itemLength))).toBeGreaterThan(20);
  });
  it('random split is a deterministic partition', () => {
    const [a, b, c] = splitRandom(items, [0.8, 0.1, 0.1], createRng(5));
    expect([a.length, b.length, c.length]).toEqual([240, 30, 30]);
    expect(new Set([...a, ...b, ...c]).size).toBe(300);
    expect(splitRandom(items, [0.8, 0.1, 0.1], createRng(5))[0]).toEqual(a);
  });
  it('length buckets cover every item once and keep padding small', () => {
    const batches = bucketBatches(items, 16, createRng(1));
    expect(batches.flat()).toHaveLength(300);
    expect(new Set(batches.flat()).size).toBe(300);
    const padding = (bs: typeof batches) => bs.reduce((s, b) => s + b.length * Math.max(...b.map(itemLength)) - b.reduce((t, e) => t + itemLength(e), 0), 0);
    const naive = Array.from({ length: Math.ceil(300 / 16) }, (_, i) => items.slice(i * 16, i * 16 + 16));
    expect(padding(batches)).toBeLessThan(padding(naive) / 3);
  });
  it('groups by length in ascending order', () => {
    const groups = groupByLength(items);
    const keys = [...groups.keys()];
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
    expect([...groups.values()].flat()).toHaveLength(300);
  });
});

describe('fillGaps: a series\' missing values', () => {
  const N = NaN;
  it('fills inner gaps per column by time, drops rows before any column starts or after any ends, and counts both', () => {
    // column 0 starts at row 0, column 1 at row 2 (where column 0 has a gap): rows 0–1 go, row 2's gap is filled
    const values = [[0, N], [1, N], [N, 20], [3, N], [4, 40], [5, N]];
    const times = [0, 10, 20, 30, 40, 50];
    expect(fillGaps(values, times)).toEqual({ values: [[2, 20], [3, 30], [4, 40]], times: [20, 30, 40], filled: 2, dropped: 3 });
    // by time, not position: 0 at t 0, 30 at t 30, one row at t 10 between them
    expect(fillGaps([[0], [N], [30]], [0, 10, 30])).toEqual({ values: [[0], [10], [30]], times: [0, 10, 30], filled: 1, dropped: 0 });
    expect(fillGaps([[0], [N], [30]], null)).toEqual({ values: [[0], [15], [30]], times: null, filled: 1, dropped: 0 });
  });
  it('a column with no value, or columns whose values never overlap, are named', () => {
    expect(fillGaps([[1, N], [2, N]], null)).toEqual({ emptyColumn: 1 });
    expect(fillGaps([[1, N], [N, 2]], null)).toEqual({ emptyColumn: -1 });
  });
});
