/**
 * The wasm SIMD kernels of kernels.wat and gemm-wat.mjs, instantiated on tfjs-wasm's own
 * memory, so they read and write tensors where they lie: no copies in or out.
 *
 * Why: the optimizer update and the gradient norms touch every parameter every step. Through
 * tfjs ops that is ~10 dispatches per parameter tensor; in plain JS (fused-adam.ts's fallback)
 * ≈ 6 ns a value plus two copies. For the unshared model (T sets of weights) that was 40 % of
 * a step. Here it is one SIMD pass over memory. Only on the non-threaded wasm backend (its
 * memory is a plain WebAssembly.Memory); anything else uses the JS path.
 */
import * as tf from '@tensorflow/tfjs';
import { GEMM_FMA_WASM, GEMM_WASM, KERNELS_WASM } from './kernels-wasm.js';

interface Exports {
  adam(g: number, w: number, m: number, v: number, out: number, n: number, b1: number, b2: number, eps: number, step: number, k: number): void;
  sumSquares(p: number, n: number): number;
}

interface GemmExports {
  gemm(a: number, aRow: number, aCol: number, b: number, c: number, base: number, baseRow: number, M: number, K: number, N: number): void;
}

/**
 * Which matrix multiply runs: with relaxed-SIMD FMA (Chromium ≥ 114, Node ≥ 22, or Node 20
 * with --experimental-wasm-relaxed-simd, which the worker processes set) or with mul + add.
 */
export type GemmVariant = 'relaxed-simd-fma' | 'simd';

/** Above this inner size the product runs in slices of K_SLICE, so B's panel stays in L1. */
const K_SINGLE_PASS = 256;
const K_SLICE = 128;

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
    private readonly g: GemmExports,
    readonly gemmVariant: GemmVariant,
  ) {}

  /**
   * The kernels on the running backend (the FMA gemm where the runtime validates it), or null
   * where that is not tfjs-wasm with a plain memory.
   */
  static current(): SimdKernels | null {
    if (tf.getBackend() !== 'wasm') return null;
    const be = tf.backend() as unknown as WasmBackend;
    if (instances.has(be)) return instances.get(be)!;
    let kernels: SimdKernels | null = null;
    try {
      kernels = SimdKernels.load('relaxed-simd-fma');
    } catch {
      try {
        kernels = SimdKernels.load('simd');
      } catch {
        kernels = null; // e.g. a runtime without wasm SIMD: the callers' JS paths take over
      }
    }
    instances.set(be, kernels);
    return kernels;
  }

  /** A fresh instance with the given gemm on the running wasm backend; throws where it cannot load. */
  static load(variant: GemmVariant): SimdKernels {
    const be = tf.backend() as unknown as WasmBackend;
    const memory = be.wasm?.asm?.memory;
    if (tf.getBackend() !== 'wasm' || !(memory instanceof WA.Memory) || memory.buffer instanceof SharedArrayBuffer) {
      throw new Error('simd kernels: needs the non-threaded tfjs-wasm backend');
    }
    const instantiate = (base64: string) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      return new WA.Instance(new WA.Module(bytes), { env: { memory } }).exports;
    };
    const gemm = instantiate(variant === 'relaxed-simd-fma' ? GEMM_FMA_WASM : GEMM_WASM) as GemmExports;
    return new SimdKernels(be, instantiate(KERNELS_WASM) as Exports, gemm, variant);
  }

  /** Byte offset of a float32 tensor's values in wasm memory. */
  offset(t: tf.Tensor): number {
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

  /**
   * C (M × N) = Base + A · B on raw byte offsets (see gemm-wat.mjs): A[i, k] at a + i·aRow +
   * k·aCol; B and C row-major with N columns; Base rows baseRow bytes apart; base = 0 for none.
   */
  gemm(a: number, aRow: number, aCol: number, b: number, c: number, base: number, baseRow: number, M: number, K: number, N: number): void {
    if (K <= K_SINGLE_PASS) {
      this.g.gemm(a, aRow, aCol, b, c, base, baseRow, M, K, N);
      return;
    }
    // a long inner dimension (weight gradients over T·B rows) in slices; each adds onto C
    for (let k0 = 0; k0 < K; k0 += K_SLICE) {
      const first = k0 === 0;
      this.g.gemm(a + k0 * aCol, aRow, aCol, b + 4 * k0 * N, c, first ? base : c, first ? baseRow : 4 * N, M, Math.min(K_SLICE, K - k0), N);
    }
  }
}
