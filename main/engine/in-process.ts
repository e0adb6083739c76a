/** Which backends keep their tensors in this process's memory. */
import * as tf from '@tensorflow/tfjs';

/** wasm and cpu: there one JS or SIMD pass over a tensor's values beats many small ops. */
export function tensorsInProcessMemory(): boolean {
  return tf.getBackend() === 'wasm' || tf.getBackend() === 'cpu';
}
