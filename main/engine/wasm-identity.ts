/**
 * Identity on tfjs-wasm without a copy. tfjs clones through Identity every tensor a custom
 * gradient saves (the engine's customGrad `save`), and tfjs-wasm's Identity copies, so each fast
 * recurrent kernel paid a copy of all its saved activations every step (bench A's shared tanh:
 * ≈ 0.6 ms of a 7 ms step). Tensors are immutable in tfjs: the cpu backend's Identity, and
 * tfjs-wasm's own Reshape, share the memory under a reference count, and this gives wasm's
 * Identity the same rule.
 *
 * What it relies on: nothing writes into a tensor's memory once another tensor could share it.
 * The engine's SIMD kernels write only into tensors they have just made (SimdKernels.empty,
 * tf.zeros), into scratch and Adam moments that no one else sees, and into a variable only
 * while its reference count says nothing shares it (SimdKernels.writableInPlace, FusedAdam).
 */
import * as tf from '@tensorflow/tfjs';

interface RefCounting {
  incRef(dataId: object): void;
}

let installed = false;

/** Registers the sharing Identity for 'wasm' (once; string tensors keep the stock kernel). */
export function shareIdentityOnWasm(): void {
  if (installed) return;
  const stock = tf.getKernel(tf.Identity, 'wasm');
  if (!stock) return; // the wasm backend is not loaded in this process
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({
    kernelName: tf.Identity,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return stock.kernelFunc(args);
      (args.backend as unknown as RefCounting).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  installed = true;
}
