/**
 * The engine's wasm SIMD kernels, instantiated on tfjs-wasm's own memory, so they read and
 * write tensors where they lie: no copies in or out. Three modules (scripts/build-wasm.mjs):
 * - kernels.wat: Adam, sums of squares (gradient norms), column sums (bias gradients), batched
 *   transposes, the first nonzero value (underflowed gradients), clearing tiny values (Adam's
 *   moments), weighted sums (data-parallel shards): one pass over memory each,
 *   where tfjs ops took ~10 dispatches per parameter tensor (40 % of an unshared step) and
 *   plain JS (fused-adam.ts's fallback) ≈ 6 ns a value plus two copies;
 * - the matrix multiply (scripts/gemm-wat.mjs), with relaxed-SIMD FMA where it validates;
 * - the fused recurrent-cell steps (scripts/cells-wat.mjs).
 * Only on the non-threaded wasm backend (its memory is a plain WebAssembly.Memory); anything
 * else uses the callers' tfjs-op or JS paths.
 */
import * as tf from '@tensorflow/tfjs';
import { CELLS_WASM, GEMM_FMA_WASM, GEMM_WASM, KERNELS_WASM } from './kernels-wasm.js';

interface Exports {
  adam(g: number, w: number, m: number, v: number, out: number, n: number, b1: number, b2: number, eps: number, step: number, k: number, scale: number): void;
  flushBelow(p: number, n: number, below: number): number;
  scaleAdd(x: number, a: number, y: number, b: number, n: number): void;
  sumSquares(p: number, n: number): number;
  columnSums(x: number, rows: number, cols: number, out: number): void;
  transpose(src: number, dst: number, rows: number, cols: number, batch: number): void;
  firstNonzero(p: number, n: number): number;
}

interface GemmExports {
  gemm(a: number, aRow: number, aCol: number, aPack: number, b: number, packed: number, c: number, base: number, baseRow: number, M: number, K: number, N: number): void;
  pack(b: number, K: number, N: number, dst: number): void;
  packTransposed(w: number, N: number, K: number, wRow: number, dst: number): void;
}

/**
 * The fused cell kernels of scripts/cells-wat.mjs and their pointer parameters, in order (a unit
 * test checks this against the generator). Each also takes rows and d after them.
 */
export const CELL_PARAMETERS = {
  sum: ['a', 'b', 'out'],
  tanhCell: ['z', 'h'],
  tanhCellBackward: ['dh', 'carry', 'h', 'dz'],
  lstmCell: ['pre', 'cPrev', 'c', 'h', 'si', 'sf', 'tg', 'so', 'tc'],
  lstmCellBackward: ['dh', 'carryH', 'carryC', 'si', 'sf', 'tg', 'so', 'tc', 'cPrev', 'dGates'],
  gruCell: ['xp', 'hp', 'hPrev', 'h', 'r', 'z', 'n', 'hnOut'],
  gruCellBackward: ['dh', 'carry', 'r', 'z', 'n', 'hn', 'hPrev', 'dXp', 'dHp', 'gz'],
} as const;
export type CellKernel = keyof typeof CELL_PARAMETERS;
/** A cell kernel's operands: byte offsets by parameter name. */
export type CellOperands<K extends CellKernel> = Record<(typeof CELL_PARAMETERS)[K][number], number>;
type CellExports = Record<CellKernel, (...offsetsRowsD: number[]) => void>;

/**
 * Which matrix multiply runs: with relaxed-SIMD FMA (Chromium ≥ 114, Node ≥ 22, or Node 20
 * with --experimental-wasm-relaxed-simd, which the worker processes set) or with mul + add.
 */
export type GemmVariant = 'relaxed-simd-fma' | 'simd';

/** How gemm() finds B: row-major K × N; already packed (pack/packTransposed); or as Wᵀ of a row-major N × K W (packed first). */
export type BLayout = 'rows' | 'packed' | 'transposed';

/** Above this inner size the product runs in slices of K_SLICE, so B's blocks stay in L1. */
const K_SINGLE_PASS = 256;
const K_SLICE = 128;
/**
 * When a product packs a row-major B first: each block of B is read M/4 times, and packed
 * reads are contiguous, but packing costs a pass over B. Measured on a B used once (an
 * unshared position's weights, cold in cache), 100 products, ms: 32 × 256 · 256 × 256 read in
 * place 10.4, packed 12.1; 64 rows 20.4 / 21.9; 128 rows 38.9 / 37.8; but 32 × 256 · 256 × 1024
 * 59.2 / 48.1, where B's rows lie 4 KB apart.
 */
const packsB = (M: number, N: number) => M >= 128 || N >= 1024;
/** From this many rows a product reading A across rows (Aᵀ) packs A first. */
const PACK_A_FROM_ROWS = 16;
/** Rows of A per pass over B: A's rows stay in L2 across B's blocks (3200 × 128 · 128 × 1024: 42 → 48 GFLOP/s). */
const M_CHUNK = 128;

interface WasmBackend {
  wasm?: {
    asm?: { memory?: unknown };
    _malloc?(bytes: number): number;
    _free?(ptr: number): void;
    tfjs?: { registerTensor(id: number, size: number, offset: number): void; disposeData(id: number): void };
  };
  /** id: the tensor's number in the C++ side of tfjs-wasm; refCount: tensors sharing this memory */
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number; refCount: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
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
  /** scratch in wasm memory for B and A packed by gemm() itself (grows, never shrinks) */
  private scratch = { b: { at: 0, bytes: 0 }, a: { at: 0, bytes: 0 } };

  private constructor(
    private readonly memory: { buffer: ArrayBufferLike },
    private readonly be: WasmBackend,
    private readonly k: Exports,
    private readonly g: GemmExports,
    private readonly cells: CellExports,
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
    return new SimdKernels(memory, be, instantiate(KERNELS_WASM) as Exports, gemm, instantiate(CELLS_WASM) as CellExports, variant);
  }

  /**
   * A float32 tensor with memory allocated but not filled, for outputs a kernel writes in full
   * before anything reads them: tfjs-wasm's zero fill ran at ≈ 2 GB/s (2.6 ms a step for an LSTM).
   */
  empty(shape: number[]): tf.Tensor {
    return tf.engine().makeTensorFromTensorInfo(this.be.makeOutput(shape, 'float32'));
  }

  /** Byte offset of a float32 tensor's values in wasm memory. */
  offset(t: tf.Tensor): number {
    const info = this.be.dataIdMap.get(t.dataId);
    if (!info || t.dtype !== 'float32') throw new Error('simd kernels: a float32 tensor on the wasm backend is needed');
    return info.memoryOffset;
  }

  /**
   * One Adam step for one parameter: m and v are updated in place (tensors owned by the
   * optimizer, never shared); the new weights go to `out`, a fresh tensor of the same size, or
   * w itself where writableInPlace(w) (then what tfjs-wasm cached from w's old values is
   * dropped: see changedInPlace).
   */
  adam(g: tf.Tensor, w: tf.Tensor, m: tf.Tensor, v: tf.Tensor, out: tf.Tensor, c: { b1: number; b2: number; eps: number; step: number; k: number; scale?: number }): void {
    const n = g.size;
    if (w.size !== n || m.size !== n || v.size !== n || out.size !== n) throw new Error('simd adam: sizes differ');
    if (out === w && !this.writableInPlace(w)) throw new Error('simd adam: w shares its memory with another tensor; write the step to a fresh tensor');
    this.k.adam(this.offset(g), this.offset(w), this.offset(m), this.offset(v), this.offset(out), n, c.b1, c.b2, c.eps, c.step, c.k, c.scale ?? 1);
    if (out === w) this.changedInPlace(w);
  }

  /**
   * Whether a kernel may change t's values in place: t alone refers to its memory (tfjs shares
   * one tensor's memory among several under a reference count: clones, reshapes, inputs a
   * custom gradient saved, a variable's initial value while it lives, and each must keep the
   * values it was made with), and tfjs-wasm's tensor registry is there for changedInPlace.
   */
  writableInPlace(t: tf.Tensor): boolean {
    return this.be.dataIdMap.get(t.dataId)?.refCount === 1 && this.be.wasm?.tfjs !== undefined;
  }

  /**
   * After t's values were changed in place: tfjs-wasm caches XNNPACK operators with a packed
   * copy of a matMul's right operand (and a conv's filter) by the tensor's id, and drops them
   * only when the tensor is disposed, so the next tf.matMul with t would use its old values.
   * Disposing and registering the id again on the C++ side (memory untouched) drops them.
   */
  private changedInPlace(t: tf.Tensor): void {
    const info = this.be.dataIdMap.get(t.dataId)!;
    const cpp = this.be.wasm!.tfjs!;
    cpp.disposeData(info.id);
    cpp.registerTensor(info.id, t.size, info.memoryOffset);
  }

  /** y ← a·x + b·y in place in y (x may be y); with b = 0, y ← a·x whatever y held. */
  scaleAdd(x: tf.Tensor, a: number, y: tf.Tensor, b: number): void {
    if (x.size !== y.size) throw new Error('simd scaleAdd: sizes differ');
    this.k.scaleAdd(this.offset(x), a, this.offset(y), b, y.size);
  }

  /**
   * Sets every value of x whose magnitude is under 2^exponent to 0, in place (NaN and ±∞ kept).
   * @returns whether any value is left nonzero
   */
  flushBelow(x: tf.Tensor, exponent: number): boolean {
    if (!Number.isInteger(exponent) || exponent < -126 || exponent > 127) throw new Error(`simd flushBelow: exponent ${exponent} is not a normal float32 exponent`);
    return this.k.flushBelow(this.offset(x), x.size, (exponent + 127) << 23) !== 0;
  }

  /** out[j] = Σ_i x[i, j] for a rows × cols float32 tensor x; out holds cols floats. */
  columnSums(x: tf.Tensor, rows: number, cols: number, out: tf.Tensor): void {
    if (x.size !== rows * cols || out.size !== cols) throw new Error('simd columnSums: sizes differ');
    this.columnSumsAt(this.offset(x), rows, cols, this.offset(out));
  }

  /** The same on byte offsets. */
  columnSumsAt(x: number, rows: number, cols: number, out: number): void {
    this.k.columnSums(x, rows, cols, out);
  }

  /**
   * dst's row i ← src's row rows[i], rows of `width` floats (a row gather, by memmove: a
   * handful of rows costs microseconds where tfjs-wasm's GatherV2 took ≈ 220 µs).
   */
  copyRows(src: tf.Tensor, rows: ArrayLike<number>, width: number, dst: tf.Tensor): void {
    this.checkRows(src, rows, width, dst);
    const heap = new Float32Array(this.memory.buffer);
    const [s, d] = [this.offset(src) / 4, this.offset(dst) / 4];
    for (let i = 0; i < rows.length; i++) heap.copyWithin(d + i * width, s + rows[i] * width, s + (rows[i] + 1) * width);
  }

  /** dst ← zeros, then dst's row rows[i] += src's row i (the gather's gradient: repeated rows add up). */
  scatterRows(src: tf.Tensor, rows: ArrayLike<number>, width: number, dst: tf.Tensor): void {
    this.checkRows(dst, rows, width, src);
    this.fillZeros(this.offset(dst), dst.size);
    const heap = new Float32Array(this.memory.buffer);
    const [s, d] = [this.offset(src) / 4, this.offset(dst) / 4];
    for (let i = 0; i < rows.length; i++) {
      const to = d + rows[i] * width;
      for (let k = 0; k < width; k++) heap[to + k] += heap[s + i * width + k];
    }
  }

  private checkRows(table: tf.Tensor, rows: ArrayLike<number>, width: number, picked: tf.Tensor): void {
    const count = table.size / width;
    if (!Number.isInteger(count) || picked.size !== rows.length * width) throw new Error('simd rows: sizes differ');
    for (let i = 0; i < rows.length; i++) {
      if (!(rows[i] >= 0 && rows[i] < count && Number.isInteger(rows[i]))) throw new Error(`simd rows: row ${rows[i]} is not in [0, ${count - 1}]`);
    }
  }

  /** dst (batch × cols × rows) ← each of src's batch rows × cols matrices transposed. */
  transpose(src: tf.Tensor, batch: number, rows: number, cols: number, dst: tf.Tensor): void {
    if (src.size !== batch * rows * cols || dst.size !== src.size) throw new Error('simd transpose: sizes differ');
    this.k.transpose(this.offset(src), this.offset(dst), rows, cols, batch);
  }

  /** The index of the first of n floats at byte offset p that is not ±0; n when all are 0. */
  firstNonzero(p: number, n: number): number {
    return this.k.firstNonzero(p, n);
  }

  /** A float32 tensor of zeros (tfjs's zeros are made in JS and copied in). */
  zeros(shape: number[]): tf.Tensor {
    const t = this.empty(shape);
    this.fillZeros(this.offset(t), t.size);
    return t;
  }

  /** n floats from byte offset p ← 0. */
  fillZeros(p: number, n: number): void {
    new Float32Array(this.memory.buffer).fill(0, p / 4, p / 4 + n);
  }

  /** Σ x² of a tensor, accumulated in float64. */
  sumSquares(t: tf.Tensor): number {
    return this.k.sumSquares(this.offset(t), t.size);
  }

  /**
   * C (M × N) = Base + A · B on raw byte offsets (see gemm-wat.mjs): A[i, k] at a + i·aRow +
   * k·aCol; B as bLayout says (BLayout); C row-major; Base rows baseRow bytes apart; base = 0
   * for none.
   */
  gemm(a: number, aRow: number, aCol: number, b: number, c: number, base: number, baseRow: number, M: number, K: number, N: number, bLayout: BLayout = 'rows'): void {
    const packed = bLayout === 'packed';
    // B is read packed: given so, packed here from Wᵀ, or packed here because A has enough rows
    const readPacked = packed || bLayout === 'transposed' || packsB(M, N);
    const slices = packed || K <= K_SINGLE_PASS ? [[0, K]] : Array.from({ length: Math.ceil(K / K_SLICE) }, (_, s) => [s * K_SLICE, Math.min(K_SLICE, K - s * K_SLICE)]);
    // a long inner dimension (weight gradients over T·B rows) in slices; each adds onto C
    for (const [k0, k] of slices) {
      const first = k0 === 0;
      let bAt = b + 4 * k0 * N;
      if (bLayout === 'transposed') {
        bAt = this.scratchOf('b', 4 * k * N);
        this.g.packTransposed(b + 4 * k0, N, k, 4 * K, bAt);
      } else if (!packed && packsB(M, N)) {
        bAt = this.scratchOf('b', 4 * k * N);
        this.g.pack(b + 4 * k0 * N, k, N, bAt);
      }
      // A read across rows (Aᵀ) is packed per chunk; row-major A is read in place
      const aPack = aCol > 4 && M >= PACK_A_FROM_ROWS ? this.scratchOf('a', 4 * Math.min(M, M_CHUNK) * k) : 0;
      const [from, fromRow] = first ? [base, baseRow] : [c, 4 * N];
      for (let i0 = 0; i0 < M; i0 += M_CHUNK) {
        const rows = Math.min(M_CHUNK, M - i0);
        this.g.gemm(a + k0 * aCol + i0 * aRow, aRow, aCol, aPack, bAt, readPacked ? 1 : 0, c + 4 * i0 * N, from && from + i0 * fromRow, fromRow, rows, k, N);
      }
    }
  }

  /** One fused cell step (cells-wat.mjs) over a rows × d grid; operands by byte offset. */
  cell<K extends CellKernel>(kernel: K, operands: CellOperands<K>, rows: number, d: number): void {
    const offsets = CELL_PARAMETERS[kernel].map((p) => (operands as Record<string, number>)[p]);
    this.cells[kernel](...offsets, rows, d);
  }

  /** dst ← B (K × N) in the packed layout gemm() takes with `packed` (K·N floats). */
  pack(b: number, K: number, N: number, dst: number): void {
    this.g.pack(b, K, N, dst);
  }

  /** dst ← B = Wᵀ in the packed layout, from W (N × K, row-major): a weight matrix in PyTorch's layout, without a transpose first. */
  packTransposed(w: number, N: number, K: number, dst: number): void {
    this.g.packTransposed(w, N, K, 4 * K, dst);
  }

  private scratchOf(which: 'a' | 'b', bytes: number): number {
    const s = this.scratch[which];
    if (s.bytes < bytes) {
      const w = this.be.wasm;
      if (!w?._malloc || !w._free) throw new Error('simd kernels: tfjs-wasm exports no malloc');
      if (s.at) w._free(s.at);
      this.scratch[which] = { at: w._malloc(bytes), bytes };
    }
    return this.scratch[which].at;
  }
}
