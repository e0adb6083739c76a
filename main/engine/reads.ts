/**
 * Code that reads tensor values, written once and run either way: at once (wasm, cpu,
 * tfjs-node: `dataSync`) or awaiting each read (webgpu, whose synchronous read needs
 * OffscreenCanvas, which Node lacks). Such code is a generator: `yield t` hands back t's values
 * and disposes t, so the same lines serve the sync callers (experiments, tests) and the training
 * loop, which awaits.
 */
import type * as tf from '@tensorflow/tfjs';

/** numeric tensors only: no string tensor is read this way */
export type Values = Float32Array | Int32Array | Uint8Array;
export type Reads<T> = Generator<tf.Tensor, T, Values>;

/** Runs `reads`, each read blocking (never on webgpu). */
export function readNow<T>(reads: Reads<T>): T {
  let next = reads.next();
  while (!next.done) next = reads.next(readBlocking(reads, next.value));
  return next.value;
}

/** Runs `reads`, awaiting each read: every backend. */
export async function readLater<T>(reads: Reads<T>): Promise<T> {
  let next = reads.next();
  while (!next.done) {
    const t = next.value;
    const values = await (t.data() as Promise<Values>)
      .catch((e: unknown) => {
        throw abandon(reads, e);
      })
      .finally(() => t.dispose());
    next = reads.next(values);
  }
  return next.value;
}

function readBlocking<T>(reads: Reads<T>, t: tf.Tensor): Values {
  try {
    return t.dataSync() as Values;
  } catch (e) {
    throw abandon(reads, e);
  } finally {
    t.dispose();
  }
}

/** A read failed: the generator's `finally` blocks run (they dispose what it holds). */
function abandon<T>(reads: Reads<T>, e: unknown): unknown {
  reads.return(undefined as T);
  return e;
}

/** One scalar's value, awaited; the tensor is disposed. */
export async function readScalar(t: tf.Tensor): Promise<number> {
  try {
    return (await t.data())[0] as number;
  } finally {
    t.dispose();
  }
}
