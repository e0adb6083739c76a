/**
 * The engine's wasm SIMD matrix multiply (scripts/gemm-wat.mjs), both variants, against
 * float64 sums: odd sizes on every edge path, a bias or a full matrix as base, A transposed
 * through strides, long inner dimensions (computed in slices), B packed by the caller or not,
 * or given transposed (a weight matrix in PyTorch's layout).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import * as modules from '../../main/engine/simd/kernels-wasm.js';
import { SimdKernels, type GemmVariant } from '../../main/engine/simd/simd-kernels.js';
import { createRng } from '../../main/engine/random.js';
import { useBackend } from '../helpers/backend.js';

const rng = createRng(11);
const random = (n: number) => Float32Array.from({ length: n }, () => rng.normal());

/** Base + A·B in float64 (A is M × K row-major; base is a row for all, a matrix, or none). */
function reference(a: Float32Array, b: Float32Array, base: Float32Array | null, M: number, K: number, N: number): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = base ? base[base.length === N ? j : i * N + j] : 0;
      for (let k = 0; k < K; k++) s += a[i * K + k] * b[k * N + j];
      c[i * N + j] = s;
    }
  return c;
}

function maxError(got: Float32Array, want: Float64Array): number {
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])));
  return e;
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7], // only the 1-row and 1-column paths
  [4, 8, 8], // exactly one 4 × 8 block
  [9, 13, 21], // 4 × 8, 4 × 4, 1 × 8, 1 × 4 and 1 × 1 blocks
  [32, 256, 256], // a config-B recurrent step (B packed by gemm itself from 16 rows)
  [13, 700, 30], // inner size sliced (> 256), with a partial last slice
  [20, 300, 1028], // sliced and packed, slice by slice
  [18, 40, 12], // Aᵀ packed: 4 panels of 4 rows and 2 rows alone
  [18, 40, 13], // … and a column alone, which reads every row one by one (panels included)
];

describe('the SIMD gemm (wasm)', () => {
  useBackend('wasm');

  it('is what scripts/gemm-wat.mjs and kernels.wat compile to (npm run build:wasm regenerates it)', async () => {
    const { compileModules } = await import('../../scripts/build-wasm.mjs');
    expect(await compileModules()).toEqual({ ...modules });
  });

  it('runs with relaxed-SIMD FMA in processes that enable it, as the workers do', () => {
    expect(SimdKernels.current()?.gemmVariant).toBe('relaxed-simd-fma');
  });

  for (const variant of ['relaxed-simd-fma', 'simd'] as GemmVariant[]) {
    it(`${variant}: equals float64 sums on every edge path, with and without base, A plain or transposed`, () => {
      const simd = SimdKernels.load(variant);
      for (const [M, K, N] of SHAPES) {
        const [a, b, full, bias] = [random(M * K), random(K * N), random(M * N), random(N)];
        const aT = new Float32Array(M * K);
        for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) aT[k * M + i] = a[i * K + k];
        const t = { a: tf.tensor(a), aT: tf.tensor(aT), b: tf.tensor(b), full: tf.tensor(full), bias: tf.tensor(bias), c: tf.zeros([M * N]) };
        const at = (x: tf.Tensor) => simd.offset(x);
        const run = (aOff: number, aRow: number, aCol: number, base: number, baseRow: number, packedB?: tf.Tensor) => {
          simd.gemm(aOff, aRow, aCol, at(packedB ?? t.b), at(t.c), base, baseRow, M, K, N, packedB ? 'packed' : 'rows');
          return t.c.dataSync() as Float32Array;
        };
        const tol = 1e-6 * Math.sqrt(K) + 1e-7;
        expect(maxError(run(at(t.a), 4 * K, 4, 0, 0), reference(a, b, null, M, K, N))).toBeLessThan(tol);
        expect(maxError(run(at(t.aT), 4, 4 * M, 0, 0), reference(a, b, null, M, K, N))).toBeLessThan(tol);
        expect(maxError(run(at(t.a), 4 * K, 4, at(t.bias), 0), reference(a, b, bias, M, K, N))).toBeLessThan(tol);
        expect(maxError(run(at(t.a), 4 * K, 4, at(t.full), 4 * N), reference(a, b, full, M, K, N))).toBeLessThan(tol);
        const packed = tf.zeros([K * N]);
        simd.pack(at(t.b), K, N, at(packed));
        expect(maxError(run(at(t.a), 4 * K, 4, at(t.bias), 0, packed), reference(a, b, bias, M, K, N))).toBeLessThan(tol);
        // B given as W = Bᵀ (N × K), packed from W by the caller, or by gemm (slice by slice)
        const W = tf.transpose(tf.reshape(t.b, [K, N]));
        simd.packTransposed(at(W), N, K, at(packed));
        expect(maxError(run(at(t.a), 4 * K, 4, 0, 0, packed), reference(a, b, null, M, K, N))).toBeLessThan(tol);
        simd.gemm(at(t.a), 4 * K, 4, at(W), at(t.c), at(t.bias), 0, M, K, N, 'transposed');
        expect(maxError(t.c.dataSync() as Float32Array, reference(a, b, bias, M, K, N))).toBeLessThan(tol);
        tf.dispose([packed, W]);
        // base = C itself: C += A·B
        t.c.dispose();
        t.c = tf.tensor(full);
        expect(maxError(run(at(t.a), 4 * K, 4, at(t.c), 4 * N), reference(a, b, full, M, K, N))).toBeLessThan(tol);
        tf.dispose(Object.values(t));
      }
    });
  }

  it('with an empty inner dimension gives the base (or zeros)', () => {
    const simd = SimdKernels.load('simd');
    const [bias, c, a, b] = [tf.tensor([1, 2, 3]), tf.fill([2, 3], 7), tf.zeros([1]), tf.zeros([1])];
    simd.gemm(simd.offset(a), 0, 4, simd.offset(b), simd.offset(c), simd.offset(bias), 0, 2, 0, 3);
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3, 1, 2, 3]);
    simd.gemm(simd.offset(a), 0, 4, simd.offset(b), simd.offset(c), 0, 0, 2, 0, 3);
    expect(Array.from(c.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    tf.dispose([bias, c, a, b]);
  });

  it('sums columns exactly (odd widths, one row, many rows)', () => {
    const simd = SimdKernels.current()!;
    for (const [rows, cols] of [[1, 1], [3, 7], [333, 1029]]) {
      const values = random(rows * cols);
      const [x, out] = [tf.tensor(values), tf.zeros([cols])];
      simd.columnSums(x, rows, cols, out);
      const want = new Float64Array(cols);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) want[j] += values[i * cols + j];
      expect(maxError(out.dataSync() as Float32Array, want)).toBeLessThan(1e-5);
      tf.dispose([x, out]);
    }
  });
});
