/** reads.ts: one generator, run at once or awaiting each read, the same values, nothing left behind. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { readLater, readNow, readScalar, type Reads } from '../../main/engine/reads.js';
import { useBackend } from '../helpers/backend.js';

useBackend('cpu');

/** Sums of squares of two tensors read in turn; `cleanup` records that its finally ran. */
function* sums(a: tf.Tensor, b: tf.Tensor, cleanup: string[]): Reads<number[]> {
  try {
    const first = yield tf.tidy(() => tf.sum(tf.square(a)));
    const second = yield tf.tidy(() => tf.sum(tf.square(b)));
    return [first[0], second[0]];
  } finally {
    cleanup.push('done');
  }
}

describe('reads', () => {
  it('readNow and readLater hand back the same values and dispose every tensor read', async () => {
    const [a, b] = [tf.tensor([1, 2, 3]), tf.tensor([[0.5, -1], [2, 0]])];
    const before = tf.memory().numTensors;
    const cleanup: string[] = [];
    expect(readNow(sums(a, b, cleanup))).toEqual([14, 5.25]);
    expect(await readLater(sums(a, b, cleanup))).toEqual([14, 5.25]);
    expect(await readScalar(tf.sum(a))).toBe(6);
    expect(tf.memory().numTensors).toBe(before);
    expect(cleanup).toEqual(['done', 'done']);
    tf.dispose([a, b]);
  });

  it('a failed read ends the generator (its finally runs) and the error reaches the caller', async () => {
    function* twoReads(first: tf.Tensor, second: tf.Tensor, cleanup: string[]): Reads<number> {
      try {
        return (yield first)[0] + (yield second)[0];
      } finally {
        cleanup.push('done');
      }
    }
    for (const run of [(r: Reads<number>) => readNow(r), (r: Reads<number>) => readLater(r)]) {
      const gone = tf.scalar(1);
      gone.dispose(); // reading it fails
      const cleanup: string[] = [];
      const before = tf.memory().numTensors;
      await expect(async () => run(twoReads(tf.scalar(2), gone, cleanup))).rejects.toThrow();
      expect(cleanup).toEqual(['done']);
      expect(tf.memory().numTensors).toBe(before);
    }
  });
});
