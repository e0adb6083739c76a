/** score(): evaluation in length-sorted batches gives what one batch of all items gives, and leaves no tensors. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { toPlainBatch, type SequenceItem } from '../../main/data/batches.js';
import { disposeBatch, tensorBatch } from '../../main/engine/batch.js';
import { SequenceModel } from '../../main/engine/models/sequence-model.js';
import { createRng } from '../../main/engine/random.js';
import { evalSet, score, scoreSet } from '../../main/runs/evaluate.js';
import { useBackend } from '../helpers/backend.js';

describe('score over batches', () => {
  useBackend('wasm');
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
    const set = evalSet(items);
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
