/** Which backends keep their tensors in this process's memory. */
import * as tf from '@tensorflow/tfjs';
import type { Reads } from './reads.js';

/** wasm and cpu: there one JS or SIMD pass over a tensor's values beats many small ops. */
export function tensorsInProcessMemory(): boolean {
  return tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu';
}

/** A tensor's values in an array this code owns (the cpu backend hands out its own storage). */
export function ownedValues(t: tf.Tensor): Float32Array<ArrayBuffer> {
  return owned(t.dataSync() as Float32Array);
}

/** Values just read, as an array this code owns: wasm and webgpu reads are fresh copies already. */
export function owned(values: Float32Array): Float32Array<ArrayBuffer> {
  const fresh = tf.getBackend() === 'wasm' || tf.getBackend() === 'webgpu';
  return (fresh ? values : values.slice()) as Float32Array<ArrayBuffer>;
}

/** ownedValues of each tensor, as reads (reads.ts): clones are read, the tensors themselves are kept. */
export function* ownedValueReads(tensors: tf.Tensor[]): Reads<Float32Array<ArrayBuffer>[]> {
  const out: Float32Array<ArrayBuffer>[] = [];
  for (const t of tensors) out.push(owned((yield tf.clone(t)) as Float32Array));
  return out;
}
