/** Plain arrays → TensorBatch (the only place batches become tensors). */
import * as tf from '@tensorflow/tfjs';
import type { PackedBatch } from '../contract.js';
import type { PlainBatch } from '../data/batches.js';
import type { TensorBatch } from './models/sequence-model.js';

export type { PlainBatch } from '../data/batches.js';

/** mask[b][t] = 1 for t < lengths[b], else 0. */
export function maskFromLengths(lengths: number[], len: number): number[][] {
  return lengths.map((l) => Array.from({ length: len }, (_, t) => (t < l ? 1 : 0)));
}

/** Tensors of a batch, through typed arrays (tf.tensor3d of nested arrays took 17 ms for 32 × 100 × 128). */
export function tensorBatch(plain: PlainBatch): TensorBatch {
  return unpackBatch(packBatch(plain));
}

export function disposeBatch(batch: TensorBatch): void {
  tf.dispose([batch.x, batch.mask, batch.lengths, batch.y, ...(batch.time ? [batch.time] : [])]);
}

/** Plain arrays → typed arrays with shapes (also to hand a batch to another thread cheaply). */
export function packBatch(plain: PlainBatch): PackedBatch {
  const ids = !Array.isArray(plain.x[0][0]);
  const labels = !Array.isArray(plain.y[0]);
  const B = plain.x.length;
  const T = plain.x[0].length;
  const y3 = plain.y as number[][][];
  // explicit loops into preallocated arrays: Array.flat + from took 42 ms for 32 × 100 × 128
  return {
    x: ids ? fill2(new Int32Array(B * T), plain.x as number[][]) : fill3(new Float32Array(B * T * (plain.x as number[][][])[0][0].length), plain.x as number[][][]),
    xShape: ids ? [B, T] : [B, T, (plain.x as number[][][])[0][0].length],
    lengths: Int32Array.from(plain.lengths),
    y: labels ? Int32Array.from(plain.y as number[]) : fill3(new Float32Array(B * y3[0].length * y3[0][0].length), y3),
    yShape: labels ? [B] : [B, y3[0].length, y3[0][0].length],
    time: plain.time ? fill2(new Float32Array(B * T), plain.time) : undefined,
  };
}

function fill2<A extends Float32Array | Int32Array>(out: A, rows: number[][]): A {
  let k = 0;
  for (const row of rows) for (let j = 0; j < row.length; j++) out[k++] = row[j];
  return out;
}

function fill3(out: Float32Array<ArrayBuffer>, rows: number[][][]): Float32Array<ArrayBuffer> {
  let k = 0;
  for (const row of rows) for (const cell of row) for (let j = 0; j < cell.length; j++) out[k++] = cell[j];
  return out;
}

/** The TensorBatch of a packed batch: the same tensors tensorBatch makes from its plain form. */
export function unpackBatch(packed: PackedBatch): TensorBatch {
  const [B, T] = packed.xShape;
  const lengths = Array.from(packed.lengths);
  return {
    x: packed.x instanceof Int32Array ? tf.tensor2d(packed.x, [B, T], 'int32') : tf.tensor3d(packed.x, packed.xShape as [number, number, number]),
    mask: tf.tensor2d(maskFromLengths(lengths, T)),
    lengths: tf.tensor1d(packed.lengths, 'int32'),
    y: packed.y instanceof Int32Array ? tf.tensor1d(packed.y, 'int32') : tf.tensor3d(packed.y, packed.yShape as [number, number, number]),
    time: packed.time ? tf.tensor2d(packed.time, [B, T]) : undefined,
    fullLengths: lengths.every((l) => l === T),
    hostLengths: Int32Array.from(packed.lengths),
  };
}
