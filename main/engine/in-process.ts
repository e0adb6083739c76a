/** Which backends keep their tensors in this process's memory. */
import * as tf from '@tensorflow/tfjs';

/** wasm and cpu: there one JS or SIMD pass over a tensor's values beats many small ops. */
export function tensorsInProcessMemory(): boolean {
  return tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu';
}

/** A tensor's values in an array this code owns (the cpu backend hands out its own storage). */
export function ownedValues(t: tf.Tensor): Float32Array<ArrayBuffer> {
  const values = t.dataSync() as Float32Array<ArrayBuffer>;
  return tf.getBackend() === 'wasm' ? values : values.slice();
}
