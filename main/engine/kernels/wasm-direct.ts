/**
 * The recurrences' inner loops on wasm: the engine's SIMD gemm and fused cell kernels (simd/)
 * called directly on slices of existing tensors.
 *
 * Why: on wasm a tfjs op costs ≈ 15–20 µs of dispatch (engine bookkeeping, a fresh output,
 * shape checks) on top of its arithmetic, and a recurrence is hundreds of small ops a step: for
 * bench config A about as much time as the matmuls themselves. Here a step's operands are ids
 * for places in the tensors that hold all T steps (no copies, no new tensors), and the kernels
 * get their byte offsets in tfjs-wasm's memory — one call ≈ 1 µs of overhead.
 *
 * Rules this relies on (tfjs-backend-wasm 4.x, checked by the kernel tests against autodiff):
 * a tensor's values lie contiguously at a fixed offset in the backend's memory while the
 * tensor lives; outputs are written only into tensors made for that purpose here (empty()) or
 * scratch the caller owns. Only where the SIMD kernels load (every runtime with wasm SIMD):
 * elsewhere the kernels' tfjs-op paths run.
 */
import * as tf from '@tensorflow/tfjs';
import { SimdKernels, type BLayout, type CellKernel, type CellOperands } from '../simd/simd-kernels.js';

/** one helper per SIMD kernel instance (one per backend instance) */
const instances = new WeakMap<SimdKernels, WasmDirect>();

export class WasmDirect {
  /** ids handed out since the last release(): an id is a byte offset in wasm memory, by number */
  private offsets = new Map<number, number>();
  private nextId = 1;
  /** ids of whole tensors (not views) */
  private wholes = new Set<number>();
  /** ids from transposed(): the tensor's transpose, as a right operand */
  private transposedIds = new Set<number>();
  /** whole-tensor right operands in the gemm's packed layout, by id */
  private packed = new Map<number, tf.Tensor>();

  private constructor(
    /** the SIMD gemm (1.2–1.6× tfjs-wasm's XNNPACK matmul here, see scripts/gemm-wat.mjs) and cell kernels */
    private readonly simd: SimdKernels,
  ) {}

  /** The helper for the running backend, or null where it is not tfjs-wasm with the SIMD kernels. */
  static current(): WasmDirect | null {
    const simd = SimdKernels.current();
    if (!simd) return null;
    let direct = instances.get(simd);
    if (!direct) instances.set(simd, (direct = new WasmDirect(simd)));
    return direct;
  }

  /** A float32 tensor with memory allocated but not filled (SimdKernels.empty). */
  empty(shape: number[]): tf.Tensor {
    return this.simd.empty(shape);
  }

  private offsetOf(t: tf.Tensor): number {
    return this.simd.offset(t);
  }

  private register(offset: number): number {
    const id = this.nextId++;
    this.offsets.set(id, offset);
    return id;
  }

  /** An id for a whole tensor; valid until release(). */
  id(t: tf.Tensor): number {
    const id = this.register(this.offsetOf(t));
    this.wholes.add(id);
    return id;
  }

  /**
   * An id for Wᵀ of a 2-D W, for use as a right operand only: packed once from W as it lies
   * (tfjs-wasm's Transpose runs at ≈ 8 ns a value: 2.2 ms for an LSTM's 1024 × 256 W_hh).
   */
  transposed(W: tf.Tensor2D): number {
    const id = this.id(W);
    this.transposedIds.add(id);
    return id;
  }

  /** An id for elements from `start` on of t (no copy); valid until release(). */
  view(t: tf.Tensor, start: number, size: number): number {
    if (start < 0 || start + size > t.size) throw new Error(`wasm-direct: view [${start}, ${start + size}) outside a tensor of ${t.size}`);
    return this.register(this.offsetOf(t) + 4 * start);
  }

  /** Forgets every id (the memory stays with its tensors) and every packed operand. */
  release(): void {
    this.offsets.clear();
    this.wholes.clear();
    this.transposedIds.clear();
    tf.dispose([...this.packed.values()]);
    this.packed.clear();
  }

  private at(id: number): number {
    const offset = this.offsets.get(id);
    if (offset === undefined) throw new Error('wasm-direct: unknown id (released?)');
    return offset;
  }

  /**
   * b for the gemm: a whole tensor (a weight matrix, the right operand of every step) is packed
   * once and reused until release(); a view is passed as it is.
   */
  private right(b: number, inner: number, cols: number): [offset: number, layout: BLayout] {
    if (!this.wholes.has(b)) return [this.at(b), 'rows'];
    let packed = this.packed.get(b);
    if (!packed) {
      packed = this.empty([inner * cols]);
      if (this.transposedIds.has(b)) this.simd.packTransposed(this.at(b), cols, inner, this.offsetOf(packed));
      else this.simd.pack(this.at(b), inner, cols, this.offsetOf(packed));
      this.packed.set(b, packed);
    }
    return [this.offsetOf(packed), 'packed'];
  }

  /**
   * out (rows × cols) = a (rows × inner) · b (inner × cols). b is a tensor that does not
   * change until release() (it is packed once), or a view.
   */
  matMul(a: number, rows: number, inner: number, b: number, cols: number, out: number): void {
    const [bAt, layout] = this.right(b, inner, cols);
    this.simd.gemm(this.at(a), 4 * inner, 4, bAt, this.at(out), 0, 0, rows, inner, cols, layout);
  }

  /**
   * out = base + a · b in one pass (the gemm adds base as it writes; base may be out itself).
   * base's rows are `baseCols` floats apart: a gate's columns inside all gates' projection
   * are read where they lie; 0 repeats one row (a bias).
   */
  matMulAdd(a: number, rows: number, inner: number, b: number, cols: number, base: number, out: number, baseCols = cols): void {
    const [bAt, layout] = this.right(b, inner, cols);
    this.simd.gemm(this.at(a), 4 * inner, 4, bAt, this.at(out), this.at(base), 4 * baseCols, rows, inner, cols, layout);
  }

  /** out (rows × cols) = aᵀ · b for a (inner × rows): a is read through strides, not transposed first. */
  matMulTransposedA(a: number, inner: number, rows: number, b: number, cols: number, out: number): void {
    const [bAt, layout] = this.right(b, inner, cols);
    this.simd.gemm(this.at(a), 4, 4 * rows, bAt, this.at(out), 0, 0, rows, inner, cols, layout);
  }

  /** Whether the n floats at x are all exact zeros (a gradient that has underflowed). */
  isZero(x: number, n: number): boolean {
    return this.simd.firstNonzero(this.at(x), n) === n;
  }

  /** The n floats at out ← 0. */
  fillZeros(out: number, n: number): void {
    this.simd.fillZeros(this.at(out), n);
  }

  /** out (cols) = Σ over the rows of x (rows × cols). */
  columnSums(x: number, rows: number, cols: number, out: number): void {
    this.simd.columnSumsAt(this.at(x), rows, cols, this.at(out));
  }

  /** One fused cell step (scripts/cells-wat.mjs) over rows × d, operands given as ids. */
  cell<K extends CellKernel>(kernel: K, operands: CellOperands<K>, rows: number, d: number): void {
    const offsets = Object.fromEntries(Object.entries(operands).map(([name, id]) => [name, this.at(id as number)]));
    this.simd.cell(kernel, offsets as CellOperands<K>, rows, d);
  }
}
