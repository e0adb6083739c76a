/**
 * Direct calls into tfjs-wasm's compiled kernels (add, multiply, sigmoid) and the engine's SIMD
 * gemm (simd/) on slices of existing tensors, for the inner loops of the recurrences.
 *
 * Why: on wasm a tfjs op costs ≈ 15–20 µs of dispatch (engine bookkeeping, a fresh output,
 * shape checks) on top of its arithmetic, and a recurrence is hundreds of small ops a step: for
 * bench config A about as much time as the matmuls themselves. Here a step's operands are
 * registered as views into the tensors that hold all T steps (no copies, no new tensors), and
 * the kernels are called with them directly — one call ≈ 1 µs of overhead.
 *
 * Rules this relies on (tfjs-backend-wasm 4.x, checked by the kernel tests against autodiff):
 * tensor ids map to (memory offset, size) and a view is just another id for part of that
 * memory; outputs are written only into tensors made for that purpose here. Only where the
 * SIMD kernels load (every runtime with wasm SIMD): elsewhere the kernels' tfjs-op paths run.
 */
import * as tf from '@tensorflow/tfjs';
import { SimdKernels, type CellKernel, type CellOperands } from '../simd/simd-kernels.js';

interface WasmModule {
  HEAP32: Int32Array;
  _malloc(bytes: number): number;
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
  /** ids of whole tensors (not views) handed out since the last release() */
  private wholes = new Set<number>();
  /** whole-tensor right operands in our gemm's packed layout, by id, until release() */
  private packed = new Map<number, tf.Tensor>();
  /** byte offset of a few int32 slots in wasm memory where shapes are written for each call */
  private readonly shapes: number;

  private constructor(
    private readonly be: WasmBackend,
    /** the SIMD gemm (1.2–1.6× tfjs-wasm's XNNPACK matmul here, see scripts/gemm-wat.mjs) */
    private readonly simd: SimdKernels,
  ) {
    this.shapes = be.wasm._malloc(64);
  }

  /** The helper for the running backend, or null where it is not tfjs-wasm with these exports and the SIMD kernels. */
  static current(): WasmDirect | null {
    if (tf.getBackend() !== 'wasm') return null;
    const be = tf.backend() as unknown as WasmBackend;
    const w = be.wasm;
    const simd = SimdKernels.current();
    if (!simd || !w || typeof w._Sigmoid !== 'function' || typeof w.tfjs?.registerTensor !== 'function') return null;
    let direct = instances.get(be);
    if (!direct) instances.set(be, (direct = new WasmDirect(be, simd)));
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
    this.wholes.add(info.id);
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

  /** Forgets one view now (a loop that makes many views of its own can keep their number down). */
  drop(id: number): void {
    const i = this.views.lastIndexOf(id);
    if (i < 0) return;
    this.views.splice(i, 1);
    this.offsets.delete(id);
    this.be.wasm.tfjs.disposeData(id);
  }

  /** Forgets every view and id (the memory stays with its tensors) and every packed operand. */
  release(): void {
    for (const id of this.views) this.be.wasm.tfjs.disposeData(id);
    this.views = [];
    this.offsets.clear();
    this.wholes.clear();
    tf.dispose([...this.packed.values()]);
    this.packed.clear();
  }

  private at(id: number): number {
    const offset = this.offsets.get(id);
    if (offset === undefined) throw new Error('wasm-direct: unknown id (released?)');
    return offset;
  }

  /**
   * b for our gemm: a whole tensor (a weight matrix, the right operand of every step) is packed
   * once and reused until release(); a view is passed as it is.
   */
  private right(b: number, inner: number, cols: number): [offset: number, packed: boolean] {
    if (!this.wholes.has(b)) return [this.at(b), false];
    let packed = this.packed.get(b);
    if (!packed) {
      packed = this.empty([inner * cols]);
      this.simd.pack(this.at(b), inner, cols, this.be.dataIdMap.get(packed.dataId)!.memoryOffset);
      this.packed.set(b, packed);
    }
    return [this.be.dataIdMap.get(packed.dataId)!.memoryOffset, true];
  }

  /**
   * out (rows × cols) = a (rows × inner) · b (inner × cols). b is a tensor that does not
   * change until release() (it is packed once), or a view.
   */
  matMul(a: number, rows: number, inner: number, b: number, cols: number, out: number): void {
    const [bAt, packed] = this.right(b, inner, cols);
    this.simd.gemm(this.at(a), 4 * inner, 4, bAt, this.at(out), 0, 0, rows, inner, cols, packed);
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
   * out = base + a · b in one pass (the gemm adds base as it writes; base may be out itself).
   * base's rows are `baseCols` floats apart: a gate's columns inside all gates' projection
   * are read where they lie.
   */
  matMulAdd(a: number, rows: number, inner: number, b: number, cols: number, base: number, out: number, baseCols = cols): void {
    const [bAt, packed] = this.right(b, inner, cols);
    this.simd.gemm(this.at(a), 4 * inner, 4, bAt, this.at(out), this.at(base), 4 * baseCols, rows, inner, cols, packed);
  }

  /** out (rows × cols) = aᵀ · b for a (inner × rows): a is read through strides, not transposed first. */
  matMulTransposedA(a: number, inner: number, rows: number, b: number, cols: number, out: number): void {
    const [bAt, packed] = this.right(b, inner, cols);
    this.simd.gemm(this.at(a), 4, 4 * rows, bAt, this.at(out), 0, 0, rows, inner, cols, packed);
  }

  /** out (cols) = Σ over the rows of x (rows × cols). */
  columnSums(x: number, rows: number, cols: number, out: number): void {
    this.simd.columnSumsAt(this.at(x), rows, cols, this.at(out));
  }

  /** out = base + Σ_k a_k · b_k (a_k rows × inner, b_k inner × cols): the carry through a gated cell's weight blocks. */
  matMulSum(terms: [number, number][], rows: number, inner: number, cols: number, base: number | null, out: number): void {
    terms.forEach(([a, b], k) => {
      const from = k === 0 ? base : out;
      if (from === null) this.matMul(a, rows, inner, b, cols, out);
      else this.matMulAdd(a, rows, inner, b, cols, from, out);
    });
  }

  /** One fused cell step (scripts/cells-wat.mjs) over B × d, operands given as ids. */
  cell<K extends CellKernel>(kernel: K, operands: CellOperands<K>, rows: number, d: number): void {
    const offsets = Object.fromEntries(Object.entries(operands).map(([name, id]) => [name, this.at(id as number)]));
    this.simd.cell(kernel, offsets as CellOperands<K>, rows, d);
  }

  private binary(fn: WasmModule['_Add'], a: number, b: number, size: number, out: number): void {
    this.be.wasm.HEAP32[(this.shapes >> 2) + 8] = size;
    const shape = this.shapes + 32;
    fn.call(this.be.wasm, a, shape, 1, b, shape, 1, FLOAT32, out);
  }
}
