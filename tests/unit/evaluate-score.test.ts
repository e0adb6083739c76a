/**
 * score(): evaluation in length-sorted batches gives what one batch of all items gives, and leaves
 * no tensors; the length curve judges a point by its examples' own lengths.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { itemLength, toPlainBatch, type SequenceItem } from '../../main/data/batches.js';
import { disposeBatch, tensorBatch } from '../../main/engine/batch.js';
import { SequenceModel } from '../../main/engine/models/sequence-model.js';
import { createRng } from '../../main/engine/random.js';
import { evalSet, lengthCurve, score, scoreSet } from '../../main/runs/evaluate.js';
import { evalRows } from '../../main/runs/step-memory.js';
import { prepareRunData } from '../../main/runs/run-data.js';
import { RunConfigSchema } from '../../main/contract.js';
import { formatCurve } from '../../main/cli/train-command.js';
import { useBackend } from '../helpers/backend.js';

describe('score over batches', () => {
  useBackend('wasm');
  it('a task evaluated at long lengths generates fewer sequences (at least one), within 4 M steps: 256 of 1,000,000 filled the heap', async () => {
    const config = RunConfigSchema.parse({ data: { type: 'task', task: 'parity', count: 20, minLen: 2, maxLen: 8 }, model: { kind: 'shared', cell: 'tanh', hidden: 8 }, train: {}, evalLengths: [4] });
    const data = await prepareRunData(config, () => Promise.reject(new Error('a task reads no file')));
    expect([20, 20_000, 1_000_000, 5_000_000].map((L) => data.evalAt(L).length)).toEqual([256, 200, 4, 1]);
    expect(data.evalAt(20_000).every((e) => itemLength(e) === 20_000)).toBe(true);
  });
  it('long sequences go fewer to a batch, within half the step budget: 128 of 100,000 steps would need 16 GiB', () => {
    const model = new SequenceModel({ kind: 'shared', cell: 'lstm', hidden: 64, input: { type: 'features', size: 1 }, head: { type: 'classify', classes: 2 } });
    const item = (len: number): SequenceItem => ({ values: Array.from({ length: len }, () => [0]), label: 0 });
    const short = evalSet(Array.from({ length: 300 }, () => item(20)), model.config);
    expect(short.map((b) => b.lengths.length)).toEqual([128, 128, 44]);
    const long = [...Array.from({ length: 10 }, () => item(100_000)), ...Array.from({ length: 3 }, () => item(10))];
    const rows = evalRows(model.config, 100_000, 128);
    // 76 bytes a step, row and unit × 64 units, plus 8 × the one input: 4,872 bytes a row-step
    expect(rows).toBe(Math.floor(2 ** 30 / (100_000 * 4872)));
    const batches = evalSet(long, model.config);
    expect(batches.map((b) => b.lengths.length)).toEqual([3, ...Array.from({ length: Math.ceil(10 / rows) }, (_, i) => Math.min(rows, 10 - i * rows))]);
    model.dispose();
  });

  it.each([
    ['classify', 'mean'],
    ['classify', 'length-normalized'],
    ['regress', 'mean'],
    ['regress', 'length-normalized'],
  ] as const)('%s head, %s loss: 300 items of lengths 1–40 (three batches) give one batch’s loss and metric', (head, mode) => {
    const model = new SequenceModel({ kind: 'shared', cell: 'gru', hidden: 6, seed: 2, input: { type: 'features', size: 2 }, head: head === 'classify' ? { type: 'classify', classes: 3 } : { type: 'regress', outputs: 1 } });
    const rng = createRng(9);
    const items: SequenceItem[] = Array.from({ length: 300 }, () => {
      const len = 1 + rng.int(40);
      const values = Array.from({ length: len }, () => [rng.normal(), rng.normal()]);
      return head === 'classify' ? { values, label: rng.int(3) } : { values, target: values.map(() => [rng.normal()]) };
    });
    const before = tf.memory().numTensors;
    const got = score(model, items, mode)!;
    // a validation helper scores its kept set this way at every check: nothing may stay behind
    const set = evalSet(items, model.config);
    for (let i = 0; i < 3; i++) expect(scoreSet(model, set, mode)).toEqual(got);
    expect(tf.memory().numTensors).toBe(before);
    const batch = tensorBatch(toPlainBatch(items));
    const want = tf.tidy(() => model.lossAndMetric(batch, mode, { inference: true }).map((t) => t.dataSync()[0]));
    disposeBatch(batch);
    expect(got.n).toBe(300);
    expect(got.loss).toBeCloseTo(want[0], 5);
    expect(got.metric).toBeCloseTo(want[1], 5);
    model.dispose();
  });
});

describe('the length curve over a file’s buckets', () => {
  useBackend('wasm');
  it('a point is judged by its examples’ own lengths: a bucket up to 20 holding lengths 11–12 is scored by an unshared model of max length 12, and the CLI says which lengths it holds', () => {
    const model = new SequenceModel({ kind: 'unshared', cell: 'tanh', hidden: 4, maxLen: 12, seed: 3, input: { type: 'features', size: 1 }, head: { type: 'classify', classes: 2 } });
    const rng = createRng(5);
    // a file's validation items, lengths 1–12, bucketed as run-data.ts buckets them: (previous point, L]
    const items: SequenceItem[] = Array.from({ length: 60 }, (_, i) => ({ values: Array.from({ length: 1 + (i % 12) }, () => [rng.normal()]), label: i % 2 }));
    const points = [5, 20, 50];
    const itemsAt = (L: number) => items.filter((e) => itemLength(e) <= L && itemLength(e) > (points[points.indexOf(L) - 1] ?? 0));
    const before = tf.memory().numTensors;
    const curve = lengthCurve(model, points, itemsAt, { step: 0, trainedMax: 12, metricName: 'accuracy', buckets: true });
    expect(tf.memory().numTensors).toBe(before);
    expect(curve.points.map(({ length, status, n, shortest, longest }) => ({ length, status, n, shortest, longest }))).toEqual([
      { length: 5, status: 'ok', n: 25, shortest: 1, longest: 5 },
      { length: 20, status: 'ok', n: 35, shortest: 6, longest: 12 },
      // no examples, and past the weights: nothing to score
      { length: 50, status: 'no-weights', n: 0, shortest: undefined, longest: undefined },
    ]);
    // a task's examples are exactly their point's length: none are made past the limit
    const exact = lengthCurve(model, [5, 100_000], (L) => {
      if (L > 12) throw new Error(`examples of length ${L} made past the limit`);
      return items.filter((e) => itemLength(e) === L);
    }, { step: 0, trainedMax: 12, metricName: 'accuracy' });
    expect(exact.points.map((p) => [p.length, p.status, p.n])).toEqual([[5, 'ok', 5], [100_000, 'no-weights', 0]]);
    expect(formatCurve(curve).split('\n').slice(2).map((l) => l.replace(/accuracy \S+ +loss \S+/, '…'))).toEqual([
      '      20   …   n=35 (lengths 6–12)',
      '      50   no weights for these positions (unshared model)',
    ]);
    model.dispose();
  });
});
