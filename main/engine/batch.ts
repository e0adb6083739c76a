/** Plain arrays → TensorBatch (the only place batches become tensors). */
import * as tf from '@tensorflow/tfjs';
import type { PlainBatch } from '../data/batches.js';
import type { TensorBatch } from './models/sequence-model.js';

export type { PlainBatch } from '../data/batches.js';

/** mask[b][t] = 1 for t < lengths[b], else 0. */
export function maskFromLengths(lengths: number[], len: number): number[][] {
  return lengths.map((l) => Array.from({ length: len }, (_, t) => (t < l ? 1 : 0)));
}

export function tensorBatch(plain: PlainBatch): TensorBatch {
  const len = plain.x[0].length;
  const ids = !Array.isArray(plain.x[0][0]);
  const labels = !Array.isArray(plain.y[0]);
  return {
    x: ids ? tf.tensor2d(plain.x as number[][], undefined, 'int32') : tf.tensor3d(plain.x as number[][][]),
    mask: tf.tensor2d(maskFromLengths(plain.lengths, len)),
    lengths: tf.tensor1d(plain.lengths, 'int32'),
    y: labels ? tf.tensor1d(plain.y as number[], 'int32') : tf.tensor3d(plain.y as number[][][]),
    time: plain.time ? tf.tensor2d(plain.time) : undefined,
    fullLengths: plain.lengths.every((l) => l === len),
  };
}

export function disposeBatch(batch: TensorBatch): void {
  tf.dispose([batch.x, batch.mask, batch.lengths, batch.y, ...(batch.time ? [batch.time] : [])]);
}
