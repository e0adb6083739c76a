/**
 * The classifier's loss in one JS pass (kernels/classify-loss.ts) against tfjs's own softmax
 * cross-entropy: values and gradients, both weightings, large logits, bad labels, no leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../main/engine/errors.js';
import { classifyLoss } from '../../main/engine/kernels/classify-loss.js';
import { createRng } from '../../main/engine/random.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backend.js';

/** tf.losses.softmaxCrossEntropy per sequence, weighted and summed: what the model used before. */
function reference(logits: tf.Tensor2D, labels: number[], weights: number[]): tf.Scalar {
  const perSeq = tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(labels, 'int32'), logits.shape[1]), logits, undefined, undefined, tf.Reduction.NONE);
  return tf.sum(tf.mul(perSeq, tf.tensor1d(weights))) as tf.Scalar;
}

describe.each(TEST_BACKENDS)('classifyLoss on %s', (backend) => {
  useBackend(backend);
  const rng = createRng(9);
  const B = 5;
  const C = 3;
  const labels = [0, 2, 1, 2, 0];
  const logitValues = Array.from({ length: B * C }, () => 3 * rng.normal());

  it.each([
    ['a mean', Array(B).fill(1 / B)],
    ['a length-normalized mean', [4, 9, 1, 7, 2].map((len) => 1 / (B * len))],
  ])('gives the loss and gradient of tfjs’s softmax cross-entropy, weighted as %s', (_, weights) => {
    const logits = tf.tensor2d(logitValues, [B, C]);
    const y = tf.tensor1d(labels, 'int32');
    const mine = tf.valueAndGrad((z: tf.Tensor) => classifyLoss(z as tf.Tensor2D, y, weights))(logits);
    const theirs = tf.valueAndGrad((z: tf.Tensor) => reference(z as tf.Tensor2D, labels, weights))(logits);
    expect(mine.value.dataSync()[0]).toBeCloseTo(theirs.value.dataSync()[0], 5);
    const [g, h] = [mine.grad.dataSync(), theirs.grad.dataSync()];
    h.forEach((v, k) => expect(Math.abs(g[k] - v), `∂z[${k}]`).toBeLessThan(1e-6));
    tf.dispose([logits, y, mine.value, mine.grad, theirs.value, theirs.grad]);
  });

  it('stays finite for logits far beyond exp’s range, and scales its gradient by the upstream one', () => {
    const logits = tf.tensor2d([1000, -1000, 0, 500, 500, -2000], [2, 3]);
    const y = tf.tensor1d([1, 2], 'int32');
    const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => tf.mul(classifyLoss(z as tf.Tensor2D, y, [0.5, 0.5]), 3))(logits);
    // sequence 1: log-sum-exp 1000, minus −1000 → 2000; sequence 2: 500 + log 2 − (−2000)
    expect(value.dataSync()[0]).toBeCloseTo(3 * 0.5 * (2000 + 2500 + Math.log(2)), 1);
    expect([...grad.dataSync()].map((v) => Number(v.toFixed(6)))).toEqual([1.5, -1.5, 0, 0.75, 0.75, -1.5]);
    tf.dispose([logits, y, value, grad]);
  });

  it('refuses a label outside the classes with a sentence, and leaves no tensors behind', () => {
    const logits = tf.tensor2d([0, 1, 2, 3], [2, 2]);
    const before = tf.memory().numTensors;
    for (const bad of [2, -1]) {
      const y = tf.tensor1d([0, bad], 'int32');
      expect(() => classifyLoss(logits, y, [0.5, 0.5])).toThrow(new EngineError('bad-input', `label ${bad} of sequence 2 is outside 0…1 (2 classes)`));
      y.dispose();
    }
    const y = tf.tensor1d([1, 0], 'int32');
    const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => classifyLoss(z as tf.Tensor2D, y, [0.5, 0.5]))(logits);
    tf.dispose([value, grad]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    logits.dispose();
  });
});
