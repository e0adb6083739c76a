/**
 * The wasm SIMD kernels of kernels.wat, instantiated on tfjs-wasm's own memory, so they read
 * and write tensors where they lie: no copies in or out.
 *
 * Why: the optimizer update and the gradient norms touch every parameter every step. Through
 * tfjs ops that is ~10 dispatches per parameter tensor; in plain JS (fused-adam.ts's fallback)
 * ≈ 6 ns a value plus two copies. For the unshared model (T sets of weights) that was 40 % of
 * a step. Here it is one SIMD pass over memory. Only on the non-threaded wasm backend (its
 * memory is a plain WebAssembly.Memory); anything else uses the JS path.
 */
import * as tf from '@tensorflow/tfjs';
import { KERNELS_WASM } from './kernels-wasm.js';

interface Exports {
  adam(g: number, w: number, m: number, v: number, out: number, n: number, b1: number, b2: number, eps: number, step: number, k: number): void;
  sumSquares(p: number, n: number): number;
}

interface WasmBackend {
  wasm?: { asm?: { memory?: unknown } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
}

/** The few WebAssembly JS API members used here (the node tsconfig has no DOM/WebAssembly lib). */
interface WasmApi {
  Memory: new (...args: never[]) => { buffer: ArrayBufferLike };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** one instance per backend instance (null: could not instantiate there) */
const instances = new WeakMap<object, SimdKernels | null>();

export class SimdKernels {
  private constructor(
    private readonly be: WasmBackend,
    private readonly k: Exports,
  ) {}

  /** The kernels on the running backend, or null where that is not tfjs-wasm with a plain memory. */
  static current(): SimdKernels | null {
    if (tf.getBackend() !== 'wasm') return null;
    const be = tf.backend() as unknown as WasmBackend;
    if (instances.has(be)) return instances.get(be)!;
    let kernels: SimdKernels | null = null;
    try {
      const memory = be.wasm?.asm?.memory;
      if (memory instanceof WA.Memory && !(memory.buffer instanceof SharedArrayBuffer)) {
        const bytes = Uint8Array.from(atob(KERNELS_WASM), (c) => c.charCodeAt(0));
        const instance = new WA.Instance(new WA.Module(bytes), { env: { memory } });
        kernels = new SimdKernels(be, instance.exports as unknown as Exports);
      }
    } catch {
      kernels = null; // e.g. a runtime without wasm SIMD: the callers' JS paths take over
    }
    instances.set(be, kernels);
    return kernels;
  }

  private offset(t: tf.Tensor): number {
    const info = this.be.dataIdMap.get(t.dataId);
    if (!info || t.dtype !== 'float32') throw new Error('simd kernels: a float32 tensor on the wasm backend is needed');
    return info.memoryOffset;
  }

  /**
   * One Adam step for one parameter: m and v are updated in place (tensors owned by the
   * optimizer, never shared); the new weights go to `out`, a fresh tensor of the same size.
   */
  adam(g: tf.Tensor, w: tf.Tensor, m: tf.Tensor, v: tf.Tensor, out: tf.Tensor, c: { b1: number; b2: number; eps: number; step: number; k: number }): void {
    const n = g.size;
    if (w.size !== n || m.size !== n || v.size !== n || out.size !== n) throw new Error('simd adam: sizes differ');
    this.k.adam(this.offset(g), this.offset(w), this.offset(m), this.offset(v), this.offset(out), n, c.b1, c.b2, c.eps, c.step, c.k);
  }

  /** Σ x² of a tensor, accumulated in float64. */
  sumSquares(t: tf.Tensor): number {
    return this.k.sumSquares(this.offset(t), t.size);
  }
}
