/**
 * Direct calls into tfjs-wasm's compiled kernels (add, multiply, sigmoid; matmul by our own
 * SIMD gemm, else XNNPACK) on slices of existing tensors, for the inner loops of the recurrences.
 *
 * Why: on wasm a tfjs op costs ≈ 15–20 µs of dispatch (engine bookkeeping, a fresh output,
 * shape checks) on top of its arithmetic, and a recurrence is hundreds of small ops a step: for
 * bench config A about as much time as the matmuls themselves. Here a step's operands are
 * registered as views into the tensors that hold all T steps (no copies, no new tensors), and
 * the kernels are called with them directly — one call ≈ 1 µs of overhead.
 *
 * Rules this relies on (tfjs-backend-wasm 4.x, checked by the kernel tests against autodiff):
 * tensor ids map to (memory offset, size) and a view is just another id for part of that
 * memory; BatchMatMul caches XNNPACK's packed weights by the id of its right operand, so the
 * right operand is always a real tensor that does not change while cached (cleared when
 * tfjs disposes it); outputs are written only into tensors made for that purpose here.
 */
import * as tf from '@tensorflow/tfjs';
import { SimdKernels } from '../simd/simd-kernels.js';

interface WasmModule {
  HEAP32: Int32Array;
  _malloc(bytes: number): number;
  _BatchMatMul(a: number, aShape: number, aRank: number, b: number, bShape: number, bRank: number, transA: number, transB: number, out: number): void;
  _Add(a: number, aShape: number, aRank: number, b: number, bShape: number, bRank: number, dtype: number, out: number): void;
  _Multiply(a: number, aShape: number, aRank: number, b: number, bShape: number, bRank: number, dtype: number, out: number): void;
  _Sub(a: number, aShape: number, aRank: number, b: number, bShape: number, bRank: number, dtype: number, out: number): void;
  _Sigmoid(x: number, out: number): void;
  tfjs: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
}

interface WasmBackend {
  wasm: WasmModule;
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined };
  dataIdNextNumber: number;
}

const FLOAT32 = 0;
/** one direct-call helper per backend instance (its scratch for shapes lives in that module) */
const instances = new WeakMap<object, WasmDirect>();

export class WasmDirect {
  private views: number[] = [];
  /** byte offset in wasm memory of every id handed out since the last release() */
  private offsets = new Map<number, number>();
  /** byte offset of a few int32 slots in wasm memory where shapes are written for each call */
  private readonly shapes: number;

  private constructor(
    private readonly be: WasmBackend,
    /** our SIMD gemm (1.2–1.6× XNNPACK here, see gemm-wat.mjs); null: XNNPACK's matmul */
    private readonly simd: SimdKernels | null,
  ) {
    this.shapes = be.wasm._malloc(64);
  }

  /** The helper for the running backend, or null where it is not tfjs-wasm with these exports. */
  static current(): WasmDirect | null {
    if (tf.getBackend() !== 'wasm') return null;
    const be = tf.backend() as unknown as WasmBackend;
    const w = be.wasm;
    if (!w || typeof w._BatchMatMul !== 'function' || typeof w._Sigmoid !== 'function' || typeof w.tfjs?.registerTensor !== 'function') return null;
    let direct = instances.get(be);
    if (!direct) instances.set(be, (direct = new WasmDirect(be, SimdKernels.current())));
    return direct;
  }

  /**
   * A float32 tensor with memory allocated but not filled, for buffers the loops write in full
   * before anything reads them: tfjs-wasm's zero fill ran at ≈ 2 GB/s (2.6 ms a step for an LSTM).
   */
  empty(shape: number[]): tf.Tensor {
    return tf.engine().makeTensorFromTensorInfo(this.be.makeOutput(shape, 'float32'));
  }

  /** The kernel id of a whole tensor. */
  id(t: tf.Tensor): number {
    const info = this.be.dataIdMap.get(t.dataId);
    if (!info) throw new Error('wasm-direct: tensor is not on the wasm backend (disposed?)');
    this.offsets.set(info.id, info.memoryOffset);
    return info.id;
  }

  /** An id for elements [start, start + size) of t: no copy; valid until release(). */
  view(t: tf.Tensor, start: number, size: number): number {
    const info = this.be.dataIdMap.get(t.dataId);
    if (!info) throw new Error('wasm-direct: tensor is not on the wasm backend (disposed?)');
    const id = this.be.dataIdNextNumber++;
    this.be.wasm.tfjs.registerTensor(id, size, info.memoryOffset + 4 * start);
    this.views.push(id);
    this.offsets.set(id, info.memoryOffset + 4 * start);
    return id;
  }

  /**
   * Forgets one view now: a view used as a matmul's right operand should go right after the
   * call, since XNNPACK keeps a packed copy of it until its id is disposed.
   */
  drop(id: number): void {
    const i = this.views.lastIndexOf(id);
    if (i < 0) return;
    this.views.splice(i, 1);
    this.offsets.delete(id);
    this.be.wasm.tfjs.disposeData(id);
  }

  /** Forgets every view and id (the memory stays with its tensors). */
  release(): void {
    for (const id of this.views) this.be.wasm.tfjs.disposeData(id);
    this.views = [];
    this.offsets.clear();
  }

  private at(id: number): number {
    const offset = this.offsets.get(id);
    if (offset === undefined) throw new Error('wasm-direct: unknown id (released?)');
    return offset;
  }

  /**
   * out (rows × cols) = a (rows × inner) · b (inner × cols). Under XNNPACK, which packs b and
   * caches that by b's id, b is a tensor that does not change while cached, or a view dropped
   * after the call.
   */
  matMul(a: number, rows: number, inner: number, b: number, cols: number, out: number): void {
    if (this.simd) {
      this.simd.gemm(this.at(a), 4 * inner, 4, this.at(b), this.at(out), 0, 0, rows, inner, cols);
      return;
    }
    const heap = this.be.wasm.HEAP32;
    const s = this.shapes >> 2;
    heap.set([1, rows, inner, 1, inner, cols], s);
    this.be.wasm._BatchMatMul(a, this.shapes, 3, b, this.shapes + 12, 3, 0, 0, out);
  }

  /** out = a + b, elementwise over `size` floats (out may be a fresh view of its own). */
  add(a: number, b: number, size: number, out: number): void {
    this.binary(this.be.wasm._Add, a, b, size, out);
  }

  mul(a: number, b: number, size: number, out: number): void {
    this.binary(this.be.wasm._Multiply, a, b, size, out);
  }

  sub(a: number, b: number, size: number, out: number): void {
    this.binary(this.be.wasm._Sub, a, b, size, out);
  }

  sigmoid(x: number, out: number): void {
    this.be.wasm._Sigmoid(x, out);
  }

  /**
   * out = tanh(x) as 2σ(2x) − 1, given `doubled` = 2x (tfjs-wasm's own tanh is ~7× slower than
   * its sigmoid). `sig` and `tmp` are scratch; `tmp` may be `doubled`; `one` holds 1s.
   */
  tanhOfDoubled(doubled: number, size: number, sig: number, tmp: number, one: number, out: number): void {
    this.sigmoid(doubled, sig);
    this.add(sig, sig, size, tmp);
    this.sub(tmp, one, size, out);
  }

  /**
   * out = base + a · b, in one pass with our gemm (base may be out itself); through XNNPACK a
   * matmul into `scratch` and an add (base and scratch must then differ from each other).
   */
  matMulAdd(a: number, rows: number, inner: number, b: number, cols: number, base: number, out: number, scratch: number): void {
    if (this.simd) {
      this.simd.gemm(this.at(a), 4 * inner, 4, this.at(b), this.at(out), this.at(base), 4 * cols, rows, inner, cols);
      return;
    }
    this.matMul(a, rows, inner, b, cols, scratch);
    this.add(base, scratch, rows * cols, out);
  }

  /**
   * out = base + Σ_k a_k · b_k (a_k rows × inner, b_k inner × cols) — the carry through a gated
   * cell's weight blocks. base may be null; `scratch` is three buffers, none of them an operand.
   */
  matMulSum(terms: [number, number][], rows: number, inner: number, cols: number, base: number | null, out: number, scratch: [number, number, number]): void {
    if (this.simd) {
      // our gemm adds onto its base in place: one pass per term, straight into out
      terms.forEach(([a, b], k) => {
        const from = k === 0 ? base : out;
        if (from === null) this.matMul(a, rows, inner, b, cols, out);
        else this.matMulAdd(a, rows, inner, b, cols, from, out, out);
      });
      return;
    }
    const [product, even, odd] = scratch;
    let acc = base;
    terms.forEach(([a, b], k) => {
      const target = k === terms.length - 1 ? out : k % 2 === 0 ? even : odd;
      if (acc === null) this.matMul(a, rows, inner, b, cols, target);
      else {
        this.matMul(a, rows, inner, b, cols, product);
        this.add(acc, product, rows * cols, target);
      }
      acc = target;
    });
  }

  private binary(fn: WasmModule['_Add'], a: number, b: number, size: number, out: number): void {
    this.be.wasm.HEAP32[(this.shapes >> 2) + 8] = size;
    const shape = this.shapes + 32;
    fn.call(this.be.wasm, a, shape, 1, b, shape, 1, FLOAT32, out);
  }
}
