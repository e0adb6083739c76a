/** The fused JS Adam against tf.train.adam: same updates, same checkpoint layout, no leaks. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { FusedAdam } from '../../main/engine/fused-adam.js';
import { SimdKernels } from '../../main/engine/simd/simd-kernels.js';
import { createRng } from '../../main/engine/random.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backend.js';

/** Two parameters and a quadratic-ish loss whose gradients change every step. */
function problem(seed: number) {
  const rng = createRng(seed);
  const values = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
  const a = tf.variable(tf.tensor2d(values(12), [3, 4]));
  const b = tf.variable(tf.tensor1d(values(4)));
  const x = tf.tensor2d(values(15), [5, 3]);
  const loss = () => tf.tidy(() => tf.sum(tf.square(tf.tanh(tf.add(tf.matMul(x, a), b)))) as tf.Scalar);
  const step = (opt: tf.Optimizer) => {
    const { value, grads } = tf.variableGrads(loss, [a, b]);
    opt.applyGradients(grads);
    tf.dispose([value, ...Object.values(grads)]);
  };
  return { a, b, step, dispose: () => tf.dispose([a, b, x]) };
}

for (const backend of TEST_BACKENDS) {
  describe(`FusedAdam on ${backend}`, () => {
    useBackend(backend);

    it('takes the same steps as tf.train.adam (30 steps, to float32 rounding)', () => {
      const [p, q] = [problem(1), problem(1)];
      const [fused, stock] = [new FusedAdam(0.05), tf.train.adam(0.05)];
      for (let i = 0; i < 30; i++) {
        p.step(fused);
        q.step(stock);
      }
      for (const [u, v] of [
        [p.a, q.a],
        [p.b, q.b],
      ]) {
        const [du, dv] = [u.dataSync(), v.dataSync()];
        // float32 in another order of operations (the SIMD kernel on wasm): 30 steps of lr 0.05 stay within 3e-5
        du.forEach((x, k) => expect(Math.abs(x - dv[k])).toBeLessThan(3e-5));
      }
      [fused, stock].forEach((o) => o.dispose());
      [p, q].forEach((x) => x.dispose());
    });

    it('checkpoints in tf.train.adam’s layout: state moves between the two and resumes the same path', async () => {
      const [p, q] = [problem(2), problem(2)];
      const fused = new FusedAdam(0.05);
      for (let i = 0; i < 5; i++) p.step(fused);
      const saved = await fused.getWeights();
      expect(saved.map((w) => w.name)).toEqual(['iter', `${p.a.name}/m`, `${p.b.name}/m`, `${p.a.name}/v`, `${p.b.name}/v`]);
      expect(saved[0].tensor.dataSync()[0]).toBe(5);
      // the same state into tf's Adam and into a fresh FusedAdam: the next step agrees
      q.a.assign(p.a);
      q.b.assign(p.b);
      const stock = tf.train.adam(0.05);
      await stock.setWeights(saved.map((w) => ({ name: w.name, tensor: w.tensor.clone() })));
      const again = new FusedAdam(0.05);
      await again.setWeights(saved);
      const r = problem(2);
      r.a.assign(p.a);
      r.b.assign(p.b);
      p.step(fused);
      q.step(stock);
      r.step(again);
      const [fa, sa, aa] = [p.a.dataSync(), q.a.dataSync(), r.a.dataSync()];
      fa.forEach((x, k) => {
        expect(aa[k]).toBe(x);
        expect(Math.abs(x - sa[k])).toBeLessThan(1e-5);
      });
      [fused, stock, again].forEach((o) => o.dispose());
      [p, q, r].forEach((x) => x.dispose());
    });

    it('skips parameters whose gradient and moments are all zero, exactly as a step would leave them', () => {
      const [p, q] = [problem(4), problem(4)];
      const [hinted, plain] = [new FusedAdam(0.05), new FusedAdam(0.05)];
      const zeroGrads = (x: ReturnType<typeof problem>) => ({ [x.a.name]: tf.zerosLike(x.a), [x.b.name]: tf.zerosLike(x.b) });
      // b's gradient is zero for 3 steps (hinted: skipped), then both get real gradients
      for (let i = 0; i < 3; i++) {
        const [gp, gq] = [zeroGrads(p), zeroGrads(q)];
        hinted.applyGradients(gp, new Set([p.a.name, p.b.name]));
        plain.applyGradients(gq);
        tf.dispose([...Object.values(gp), ...Object.values(gq)]);
      }
      for (let i = 0; i < 5; i++) {
        p.step(hinted);
        q.step(plain);
      }
      // a hint for a parameter whose moments are no longer zero is ignored
      const [gp, gq] = [zeroGrads(p), zeroGrads(q)];
      hinted.applyGradients(gp, new Set([p.a.name, p.b.name]));
      plain.applyGradients(gq);
      tf.dispose([...Object.values(gp), ...Object.values(gq)]);
      expect([...p.a.dataSync()]).toEqual([...q.a.dataSync()]);
      expect([...p.b.dataSync()]).toEqual([...q.b.dataSync()]);
      [hinted, plain].forEach((o) => o.dispose());
      [p, q].forEach((x) => x.dispose());
    });

    it('scales the gradients inside the pass as tf.train.adam does on scaled copies (a clip)', () => {
      const [p, q] = [problem(5), problem(5)];
      const [fused, stock] = [new FusedAdam(0.05), tf.train.adam(0.05)];
      for (let i = 0; i < 10; i++) {
        const scale = 0.3 / (i + 1);
        for (const [x, apply] of [
          [p, (g: tf.NamedTensorMap) => fused.applyGradients(g, undefined, scale)],
          [q, (g: tf.NamedTensorMap) => tf.tidy(() => stock.applyGradients(Object.fromEntries(Object.entries(g).map(([k, t]) => [k, tf.mul(t, scale)]))))],
        ] as const) {
          const { value, grads } = tf.variableGrads(() => tf.tidy(() => tf.sum(tf.square(tf.sub(x.a, 0.5))) as tf.Scalar), [x.a]);
          apply(grads);
          tf.dispose([value, ...Object.values(grads)]);
        }
      }
      const [da, qa] = [p.a.dataSync(), q.a.dataSync()];
      da.forEach((x, k) => expect(Math.abs(x - qa[k])).toBeLessThan(1e-5));
      [fused, stock].forEach((o) => o.dispose());
      [p, q].forEach((x) => x.dispose());
    });

    it('is what instanceof FusedAdam matches, and only it (tf.Optimizer’s own instanceof is duck-typed)', () => {
      const [fused, sgd, adam] = [new FusedAdam(0.1), tf.train.sgd(0.1), tf.train.adam(0.1)];
      expect(fused instanceof FusedAdam).toBe(true);
      expect(sgd instanceof FusedAdam).toBe(false);
      expect(adam instanceof FusedAdam).toBe(false);
      expect(fused instanceof tf.Optimizer).toBe(true);
      [fused, sgd, adam].forEach((o) => o.dispose());
    });

    it('leaves no tensors behind, checkpoints included', async () => {
      const p = problem(3);
      const opt = new FusedAdam(0.01);
      p.step(opt);
      await opt.getWeights();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 50; i++) {
        p.step(opt);
        if (i % 10 === 0) await opt.getWeights();
      }
      expect(tf.memory().numTensors).toBe(before);
      opt.dispose();
      p.dispose();
    });
  });
}

describe('the SIMD kernels (wasm)', () => {
  useBackend('wasm');
  it('load on tfjs-wasm and give Σx² of odd-sized tensors exactly as float64 sums', () => {
    const simd = SimdKernels.current();
    expect(simd).not.toBeNull();
    for (const n of [1, 3, 4, 7, 8, 12, 13, 1001]) {
      const values = Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 3);
      const t = tf.tensor1d(values);
      const want = values.reduce((s, v) => s + v * v, 0);
      expect(simd!.sumSquares(t)).toBeCloseTo(want, 9);
      t.dispose();
    }
  });
  it('firstNonzero finds the first value that is not ±0, in the vector part and the tail', () => {
    const simd = SimdKernels.current()!;
    for (const [values, want] of [
      [[0, -0, 0, 0, 0, 0, 2, 0, 1], 6],
      [[0, 0, 0, 0, 0, 0, 0, 0, -0], 9],
      [[0, 0, 0, 0, 0, 0, 0, 0, 1e-45], 8],
      [[-3], 0],
      [[0, 0, 0, 0, 0, 0, 0, Number.NaN], 7],
    ] as [number[], number][]) {
      const t = tf.tensor1d(values);
      expect(simd.firstNonzero(simd.offset(t), values.length)).toBe(want);
      t.dispose();
    }
  });
  it('Adam kernel: one step equals the rule computed in float64, tail included', () => {
    const simd = SimdKernels.current()!;
    const n = 11;
    const [g, w, m, v] = [1, 2, 3, 4].map((s) => Float32Array.from({ length: n }, (_, i) => Math.cos(i * s) * (s === 4 ? Math.cos(i) ** 2 : 1)));
    const tensors = [g, w, m, v.map(Math.abs)].map((a) => tf.tensor1d(a));
    const out = tf.zeros([n]);
    const c = { b1: 0.9, b2: 0.999, eps: 1e-7, step: 0.01, k: 1.5 };
    simd.adam(tensors[0], tensors[1], tensors[2], tensors[3], out, c);
    const got = out.dataSync();
    for (let i = 0; i < n; i++) {
      const mk = c.b1 * m[i] + (1 - c.b1) * g[i];
      const vk = c.b2 * Math.abs(v[i]) + (1 - c.b2) * g[i] * g[i];
      expect(got[i]).toBeCloseTo(w[i] - (c.step * mk) / (c.eps + c.k * Math.sqrt(vk)), 6);
      expect(tensors[2].dataSync()[i]).toBeCloseTo(mk, 6);
    }
    tf.dispose([...tensors, out]);
  });
  it('scaleAdd: y ← a·x + b·y over the vector body and the tail; with b = 0 whatever y held is ignored; x may be y', () => {
    const simd = SimdKernels.current()!;
    for (const n of [1, 4, 7, 13]) {
      const xs = Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1));
      const ys = Float32Array.from({ length: n }, (_, i) => Math.cos(i) * 3);
      const [x, y, junk] = [tf.tensor1d(xs), tf.tensor1d(ys), tf.fill([n], Number.NaN)];
      simd.scaleAdd(x, 0.25, y, 0.75);
      y.dataSync().forEach((v, i) => expect(v).toBeCloseTo(0.25 * xs[i] + 0.75 * ys[i], 6));
      simd.scaleAdd(x, -2, junk, 0);
      junk.dataSync().forEach((v, i) => expect(v).toBeCloseTo(-2 * xs[i], 6));
      simd.scaleAdd(x, 0.5, x, 0);
      x.dataSync().forEach((v, i) => expect(v).toBeCloseTo(0.5 * xs[i], 6));
      tf.dispose([x, y, junk]);
    }
  });
  it('flushBelow clears magnitudes under 2^e in place, bit for bit otherwise, and says whether anything is left', () => {
    const simd = SimdKernels.current()!;
    const e = -100;
    const edge = 2 ** e;
    // 11 values: two groups of 4 and a tail of 3, each with values on both sides of the edge
    const values = Float32Array.from([edge, -edge, edge * 0.75, 1e-40, -0, 0.5, -1e-35, Number.NaN, Number.POSITIVE_INFINITY, -edge * 0.999, 3]);
    const t = tf.tensor1d(values);
    expect(simd.flushBelow(t, e)).toBe(true);
    const got = t.dataSync();
    values.forEach((x, i) => {
      if (Number.isNaN(x)) expect(got[i]).toBeNaN();
      else if (Math.abs(x) >= edge) expect(got[i], `value ${i}`).toBe(x);
      else expect(Math.abs(got[i]), `value ${i}`).toBe(0);
    });
    const small = tf.tensor1d([1e-31, -1e-33, 0, 1e-45, 2e-40]);
    expect(simd.flushBelow(small, e)).toBe(false);
    expect([...small.dataSync()].every((x) => x === 0)).toBe(true);
    expect(() => simd.flushBelow(small, -127)).toThrow(/exponent/);
    tf.dispose([t, small]);
  });
  it('Adam’s moments decaying without gradient are never stored subnormal, and end as zeros the optimizer skips', async () => {
    const simd = SimdKernels.current()!;
    const TINY = 2 ** -126;
    const w = tf.variable(tf.ones([7]));
    const opt = new FusedAdam(0.01);
    // moments near the bottom of float32's normal range (as left by a gradient that has since vanished)
    const m0 = tf.tensor1d([1e-29, -3e-33, 2e-37, 0, 5e-31, -1e-36, 4e-30]);
    const v0 = tf.tensor1d([5e-31, 1e-37, 3e-38, 0, 2e-36, 1e-31, 6e-31]);
    await opt.setWeights([{ name: 'iter', tensor: tf.scalar(0, 'int32') }, { name: `${w.name}/m`, tensor: m0 }, { name: `${w.name}/v`, tensor: v0 }]);
    const zero = tf.zerosLike(w);
    let calls = 0;
    const adam = simd.adam.bind(simd);
    simd.adam = (...args) => (calls++, adam(...args));
    try {
      for (let step = 1; step <= 3 * opt.flushEvery; step++) {
        opt.applyGradients({ [w.name]: zero }, new Set([w.name]));
        const [m, v] = (await opt.getWeights()).slice(1).map((x) => x.tensor.dataSync());
        for (const x of [...m, ...v]) expect(x === 0 || Math.abs(x) >= TINY, `step ${step}`).toBe(true);
      }
    } finally {
      simd.adam = adam;
    }
    const [m, v] = (await opt.getWeights()).slice(1).map((x) => [...x.tensor.dataSync()]);
    expect(m.every((x) => x === 0) && v.every((x) => x === 0)).toBe(true);
    // setWeights cleared what was under 2^−100; the rest (m's 1e−29 and 4e−30) decayed under it
    // by the first flush, which left all zeros: the steps after it ran no pass
    expect(calls).toBe(opt.flushEvery);
    tf.dispose([w, zero]);
    opt.dispose();
  });
  it('Adam writes a variable in place once nothing shares its memory, and tf.matMul then sees the new values', () => {
    const simd = SimdKernels.current()!;
    const rng = createRng(3);
    const values = (n: number) => Float32Array.from({ length: n }, () => rng.normal());
    const initial = tf.tensor2d(values(24), [4, 6]);
    const w = tf.variable(initial);
    const x = tf.tensor2d(values(8), [2, 4]);
    const opt = new FusedAdam(0.1);
    const offsets: number[] = [];
    // matMul(x, w) reads w through XNNPACK, which keeps a packed copy of w by tensor id
    const viaMatMul = () => tf.tidy(() => tf.matMul(x, w).dataSync());
    const viaCopy = () => tf.tidy(() => tf.matMul(x, tf.tensor2d(w.dataSync(), [4, 6])).dataSync());
    for (let step = 0; step < 4; step++) {
      viaMatMul();
      // a clone shares w's memory: it must keep the values it was taken with
      const clone = step === 2 ? w.clone() : null;
      const before = w.dataSync().slice();
      const g = tf.tensor2d(values(24), [4, 6]);
      opt.applyGradients({ [w.name]: g });
      offsets.push(simd.offset(w));
      expect([...w.dataSync()]).not.toEqual([...before]);
      expect([...viaMatMul()]).toEqual([...viaCopy()]);
      if (clone) expect([...clone.dataSync()]).toEqual([...before]);
      tf.dispose([g, clone ?? []].flat());
      // the initial value shares w's memory until it is gone: the first step writes a fresh tensor
      if (step === 0) initial.dispose();
    }
    // fresh memory while shared (step 0 with `initial`, step 2 with the clone), the same memory otherwise
    expect(offsets[1]).toBe(offsets[0]);
    expect(offsets[3]).toBe(offsets[2]);
    expect(() => {
      const shared = w.clone();
      try {
        simd.adam(w, w, w, w, w, { b1: 0.9, b2: 0.999, eps: 1e-7, step: 0.01, k: 1 });
      } finally {
        shared.dispose();
      }
    }).toThrow(/shares its memory/);
    tf.dispose([w, x]);
    opt.dispose();
  });
  it('Adam kernel flushes what would be subnormal to zero (FTZ), and nothing else', () => {
    const simd = SimdKernels.current()!;
    const c = { b1: 0.9, b2: 0.999, eps: 1e-7, step: 0.01, k: 1 };
    const TINY = 2 ** -126;
    // gradients from ordinary down to subnormal, m and v starting at 0, one in 5 lanes of each size in the tail
    const g = Float32Array.from([0.5, 1e-10, 1e-17, 1e-19, 1e-30, 1e-37, 2e-38, 1e-40, -1e-20, -3e-18, 0.25]);
    const n = g.length;
    const [gt, w, m, v] = [tf.tensor1d(g), tf.ones([n]), tf.zeros([n]), tf.zeros([n])];
    const out = simd.empty([n]);
    simd.adam(gt, w, m, v, out, c);
    const [mv, vv, wv] = [m.dataSync(), v.dataSync(), out.dataSync()];
    // the kernel's coefficients, in float32
    const [c1, c2] = [c.b1, c.b2].map((b) => Math.fround(1 - Math.fround(b)));
    for (let i = 0; i < n; i++) {
      const mWant = Math.fround(c1 * g[i]);
      const vWant = Math.fround(c2 * g[i] * g[i]);
      // a normal result is kept as IEEE float32 gives it; one below 2^−126 is 0
      if (Math.abs(mWant) >= 2 * TINY) expect(mv[i] / mWant, `m[${i}]`).toBeCloseTo(1, 5);
      if (Math.abs(mWant) < TINY) expect(mv[i]).toBe(0);
      expect(Math.abs(mv[i]) === 0 || Math.abs(mv[i]) >= TINY).toBe(true);
      if (Math.abs(vWant) >= 2 * TINY) expect(vv[i] / vWant, `v[${i}]`).toBeCloseTo(1, 5);
      expect(vv[i] === 0 || vv[i] >= TINY).toBe(true);
      if (vWant < TINY) expect(vv[i]).toBe(0);
    }
    // the weights move as Adam's first step says (≈ lr·sign(g)) where g is not negligible against eps
    expect(wv[0]).toBeCloseTo(1 - 0.01 * 0.1 * 0.5 / (1e-7 + Math.sqrt(0.001 * 0.25)), 6);
    expect(wv[7]).toBe(1);
    tf.dispose([gt, w, m, v, out]);
  });
});
