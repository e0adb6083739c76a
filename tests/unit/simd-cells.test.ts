/**
 * The fused cell kernels (scripts/cells-wat.mjs) against the same expressions evaluated in
 * float64 with Math.tanh: layout (gate blocks inside interleaved rows), the vector body and the
 * scalar tail (d = 7), in-place operands, and the accuracy of the inline tanh and σ.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { CELLS, FLUSH_BELOW, cellParameters, type Expression } from '../../scripts/cells-wat.mjs';
import { CELL_PARAMETERS, SimdKernels, type CellKernel } from '../../main/engine/simd/simd-kernels.js';
import { createRng } from '../../main/engine/random.js';
import { useBackend } from '../helpers/backend.js';

const rng = createRng(5);

/** The kernel's expressions in float64, over the same buffers. */
function reference(kernel: string, buffers: Record<string, Float64Array>, rows: number, d: number): void {
  const spec = CELLS[kernel];
  const at = (name: string, r: number, j: number) => {
    const [param, stride, block] = spec.operands[name];
    return [param, (r * stride + block) * d + j] as const;
  };
  const evaluate = (e: Expression, env: Map<string, number>): number => {
    if (typeof e === 'number') return e;
    if (typeof e === 'string') return env.get(e)!;
    const [op, ...args] = e;
    const a = args.map((x) => evaluate(x, env));
    return op === 'add' ? a[0] + a[1] : op === 'sub' ? a[0] - a[1] : op === 'mul' ? a[0] * a[1] : op === 'tanh' ? Math.tanh(a[0]) : 1 / (1 + Math.exp(-a[0]));
  };
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < d; j++) {
      const env = new Map<string, number>();
      // every operand as it was before this column's stores (the kernel loads them first)
      for (const name of Object.keys(spec.operands)) {
        const [param, i] = at(name, r, j);
        env.set(name, buffers[param][i]);
      }
      const stores: [string, number][] = [];
      for (const [target, e] of spec.body) {
        const v = evaluate(e, env);
        if (target in spec.operands) stores.push([target, v]);
        else env.set(target, v);
      }
      for (const [target, v] of stores) {
        const [param, i] = at(target, r, j);
        buffers[param][i] = Math.abs(v) < FLUSH_BELOW ? 0 : v;
      }
    }
}

describe('the fused cell kernels (wasm)', () => {
  useBackend('wasm');

  it('take the parameters the engine passes, in its order', () => {
    expect(cellParameters()).toEqual(CELL_PARAMETERS);
  });

  for (const kernel of Object.keys(CELL_PARAMETERS) as CellKernel[]) {
    it(`${kernel} equals its expressions in float64 (gate blocks in place, d = 4, 7, 8, 13, 21)`, () => {
      const simd = SimdKernels.current()!;
      const spec = CELLS[kernel];
      // d covers every loop of a kernel: pairs of 4 columns, a single 4, the d mod 4 tail
      for (const [rows, d] of [[3, 7], [2, 8], [2, 13], [1, 4], [2, 21]]) {
        // each parameter's buffer: rows × (its widest row stride) × d
        const widths = new Map<string, number>();
        for (const [param, stride] of Object.values(spec.operands)) widths.set(param, Math.max(widths.get(param) ?? 0, stride));
        const values: Record<string, Float64Array> = {};
        const tensors: Record<string, tf.Tensor> = {};
        for (const [param, stride] of widths) {
          // pre-activations over a wide range (saturation included); saved activations in (−1, 1)
          values[param] = Float64Array.from({ length: rows * stride * d }, () => Math.fround(rng.normal() * 3));
          tensors[param] = tf.tensor(Float32Array.from(values[param]));
        }
        simd.cell(kernel, Object.fromEntries(Object.entries(tensors).map(([p, t]) => [p, simd.offset(t)])) as never, rows, d);
        reference(kernel, values, rows, d);
        for (const param of widths.keys()) {
          const got = tensors[param].dataSync();
          values[param].forEach((want, i) => expect(Math.abs(got[i] - want), `${param}[${i}]`).toBeLessThan(2e-5 * (1 + Math.abs(want))));
        }
        tf.dispose(Object.values(tensors));
      }
    });
  }

  it('compute tanh and σ to within 3e-7 of Math, from tiny arguments to saturation', () => {
    const simd = SimdKernels.current()!;
    const xs = Float32Array.from({ length: 20001 }, (_, i) => (i - 10000) / 1000);
    xs.set([1e-6, -3e-5, 0.00039, 0.00041, 50, -50, 1e4], 0);
    const [z, h] = [tf.tensor(xs), tf.zeros([xs.length])];
    simd.cell('tanhCell', { z: simd.offset(z), h: simd.offset(h) }, 1, xs.length);
    const got = h.dataSync();
    let worst = 0;
    xs.forEach((x, i) => (worst = Math.max(worst, Math.abs(got[i] - Math.tanh(x)))));
    expect(worst).toBeLessThan(3e-7);
    tf.dispose([z, h]);
  });
});

describe('flush to zero in the cell kernels (wasm)', () => {
  useBackend('wasm');

  it('backward: store a gradient under 2^−100 as 0 and keep the rest, NaN and ±∞ included (vector body and tail)', () => {
    const simd = SimdKernels.current()!;
    // ∂z = (∂h + carry)(1 − h²) with carry = 0 and h = 0: ∂z = ∂h, one magnitude per column
    const dh = [2 ** -90, -(2 ** -100), 2 ** -100 * 0.999, -(2 ** -110), 2 ** -126, 2 ** -140, NaN, Infinity, -1e-3, 0, 2 ** -99, -(2 ** -128), 5e-31];
    const d = dh.length; // 13: two groups of 4, then a 4, then the scalar tail
    const want = dh.map((v) => (Math.abs(v) < FLUSH_BELOW ? 0 : Math.fround(v)));
    const [dhT, carry, h, dz] = [tf.tensor([dh, dh.slice().reverse()]), tf.zeros([2, d]), tf.zeros([2, d]), tf.fill([2, d], 7)];
    simd.cell('tanhCellBackward', { dh: simd.offset(dhT), carry: simd.offset(carry), h: simd.offset(h), dz: simd.offset(dz) }, 2, d);
    const got = Array.from(dz.dataSync());
    expect(got.slice(0, d)).toEqual(want);
    expect(got.slice(d)).toEqual(want.slice().reverse());
    tf.dispose([dhT, carry, h, dz]);
  });

  it('forward: store a state under 2^−100 as 0 (a state decaying over zero-padded steps)', () => {
    const simd = SimdKernels.current()!;
    // tanh(z) = z exactly below 4e−4 (the kernel's small-argument branch)
    const zs = [1e-4, -(2 ** -100), 2 ** -101, -(2 ** -126), 2 ** -149, NaN, 3e-30, -5e-31, 0];
    const [z, h] = [tf.tensor(zs), tf.fill([zs.length], 7)];
    simd.cell('tanhCell', { z: simd.offset(z), h: simd.offset(h) }, 1, zs.length);
    expect(Array.from(h.dataSync())).toEqual(zs.map((v) => (Math.abs(v) < FLUSH_BELOW ? 0 : Math.fround(v))));
    tf.dispose([z, h]);
  });
});

describe('the cells\' tanh at the edges of its range (wasm)', () => {
  useBackend('wasm');

  it('clamps ±∞ and large arguments to ±1 and keeps NaN, in the vector body and the tail', () => {
    const simd = SimdKernels.current()!;
    // 9 values: two groups of 4, then one in the scalar tail (a NaN there too)
    const zs = [Infinity, -Infinity, 20, -9, NaN, 0.5, -3, 7.9, NaN];
    const [z, h] = [tf.tensor(zs), tf.fill([zs.length], 7)];
    simd.cell('tanhCell', { z: simd.offset(z), h: simd.offset(h) }, 1, zs.length);
    Array.from(h.dataSync()).forEach((got, i) => {
      if (Number.isNaN(zs[i])) expect(got, `tanh(${zs[i]})`).toBeNaN();
      else expect(Math.abs(got - Math.tanh(zs[i])), `tanh(${zs[i]})`).toBeLessThan(1e-6);
    });
    tf.dispose([z, h]);
  });
});

describe('relaxed SIMD in this process', () => {
  it('validates after enableRelaxedSimd (what the worker processes and the CLI call first)', async () => {
    const { enableRelaxedSimd, relaxedSimdValidates } = await import('../../main/runs/wasm-features.js');
    enableRelaxedSimd();
    expect(relaxedSimdValidates()).toBe(true);
  });
});
