/**
 * What the page claims of the models, checked on real tensors: lengths 150 and 1000, the
 * unshared model's refusal, weight identity, output variance, training, and no tensor leaks.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import type { ModelConfigInput } from '../../main/contract.js';
import { disposeBatch, tensorBatch } from '../../main/engine/batch.js';
import { EngineError, SequenceTooLongError } from '../../main/engine/errors.js';
import { SequenceModel } from '../../main/engine/models/sequence-model.js';
import { outputVarianceAcrossPositions, timestepGradNorms, weightIdentity } from '../../main/engine/probes.js';
import { createRng } from '../../main/engine/random.js';
import { computeGradients, createOptimizer, trainStep } from '../../main/engine/train.js';
import { TEST_BACKENDS, useBackend } from '../helpers/backend.js';

const pageSizes = (kind: 'shared' | 'unshared'): ModelConfigInput => ({
  kind,
  init: 'page',
  hidden: 256,
  maxLen: 100,
  input: { type: 'features', size: 128 },
  head: { type: 'classify', classes: 2 },
});

function randomBatch(b: number, len: number, n: number, seed = 1) {
  const rng = createRng(seed);
  const x = Array.from({ length: b }, () => Array.from({ length: len }, () => Array.from({ length: n }, () => rng.normal())));
  return tensorBatch({ x, lengths: Array(b).fill(len), y: Array.from({ length: b }, () => rng.int(2)) });
}

/** Variable-length (2–8) real sequences; label = 1 when their sum is positive. A task every cell learns fast. */
function sumSignBatch(b: number, seed: number) {
  const rng = createRng(seed);
  const len = 8;
  const lengths = Array.from({ length: b }, () => 2 + rng.int(len - 1));
  const x = lengths.map((l) => Array.from({ length: len }, (_, t) => [t < l ? rng.normal() : 0]));
  const y = x.map((seq) => (seq.reduce((s, [v]) => s + v, 0) > 0 ? 1 : 0));
  return tensorBatch({ x, lengths, y });
}

describe.each(TEST_BACKENDS)('engine behaviour on %s', (backend) => {
  useBackend(backend);

  it('the shared model processes lengths 150 and 1000 with the same 98,560 recurrent weights', () => {
    const model = new SequenceModel(pageSizes('shared'));
    expect(model.core.paramCount()).toBe(98_560);
    for (const len of [150, 1000]) {
      const batch = randomBatch(1, len, 128);
      const { states } = model.forward(batch);
      expect(states.shape).toEqual([1, len, 256]);
      expect(Number.isFinite(states.sum().dataSync()[0])).toBe(true);
      tf.dispose(states);
      disposeBatch(batch);
    }
    model.dispose();
  });

  it('the unshared model (max 100) refuses 150 with the page’s error as a typed error', () => {
    const model = new SequenceModel({ ...pageSizes('unshared'), hidden: 16, input: { type: 'features', size: 8 } });
    const batch = randomBatch(1, 150, 8);
    let error: unknown;
    try {
      model.forward(batch);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SequenceTooLongError);
    expect((error as EngineError).code).toBe('sequence-too-long');
    expect((error as Error).message).toBe('Sequence length 150 exceeds max 100: no weights exist for positions 101–150');
    disposeBatch(batch);
    model.dispose();
  });

  it('weight identity: every step uses the same W_hh when shared, a distinct one per step when not', () => {
    const cfg = { hidden: 4, maxLen: 10, input: { type: 'features' as const, size: 3 }, head: { type: 'classify' as const, classes: 2 } };
    const shared = new SequenceModel({ ...cfg, kind: 'shared' });
    const unshared = new SequenceModel({ ...cfg, kind: 'unshared' });
    const s = weightIdentity(shared, 10);
    const u = weightIdentity(unshared, 10);
    expect(s.steps).toHaveLength(10);
    expect(s.shared).toBe(true);
    expect(s.distinctRecurrentTensors).toBe(1);
    expect(new Set(s.steps.map((x) => x.checksum)).size).toBe(1);
    expect(s.steps[0].ids[1]).toBe(shared.vars.get('W_hh')!.id);
    expect(u.shared).toBe(false);
    expect(u.distinctRecurrentTensors).toBe(10);
    expect(u.steps.map((x) => x.ids[1])).toEqual(Array.from({ length: 10 }, (_, t) => unshared.vars.get(`W_hh@${t}`)!.id));
    shared.dispose();
    unshared.dispose();
  });

  it('output variance for identical inputs: ≈0 without position features, clearly > 0 with them', () => {
    const base = { kind: 'shared' as const, hidden: 32, seed: 42, input: { type: 'features' as const, size: 16 }, head: { type: 'classify' as const, classes: 2 } };
    const variances = Object.fromEntries(
      (['none', 'sinusoidal', 'concat'] as const).map((type) => {
        const model = new SequenceModel({ ...base, position: { type } });
        const v = outputVarianceAcrossPositions(model, 50);
        model.dispose();
        return [type, v];
      }),
    );
    // Without position information the state settles to a fixed point after a few steps.
    expect(variances.none).toBeLessThan(1e-3);
    expect(variances.sinusoidal).toBeGreaterThan(20 * variances.none);
    expect(variances.concat).toBeGreaterThan(variances.none);
  });

  it('the temporal conv sees only k steps: an input outside the window cannot change the output', () => {
    const model = new SequenceModel({ kind: 'conv', kernel: 3, hidden: 8, input: { type: 'features', size: 2 }, head: { type: 'classify', classes: 2 } });
    const out = (first: number) =>
      tf.tidy(() => {
        const x = tf.tensor3d([[[first, first], [0, 1], [1, 0], [1, 1], [0, 0]]]);
        return model.forward({ x, mask: tf.ones([1, 5]) as tf.Tensor2D, lengths: tf.tensor1d([5], 'int32'), y: tf.tensor1d([0], 'int32') }).output.dataSync();
      });
    expect(Array.from(out(5))).toEqual(Array.from(out(-5)));
    model.dispose();
  });

  it.each(['tanh', 'gru', 'lstm'] as const)('%s: Adam learns the sign of a variable-length sum (loss from ≈ln 2 to < 0.3)', (cell) => {
    const model = new SequenceModel({ kind: 'shared', cell, hidden: 16, seed: 3, input: { type: 'features', size: 1 }, head: { type: 'classify', classes: 2 } });
    const opt = createOptimizer({ name: 'adam', lr: 0.02 });
    const losses: number[] = [];
    for (let step = 0; step < 100; step++) {
      const batch = sumSignBatch(32, step);
      losses.push(trainStep(model, opt, batch, { clip: 5 }).loss);
      disposeBatch(batch);
    }
    const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    // ln 2 ≈ 0.693 is chance: the first step is near it, the last 20 steps are far below
    expect(losses[0]).toBeGreaterThan(0.55);
    expect(mean(losses.slice(-20))).toBeLessThan(0.3);
    opt.dispose();
    model.dispose();
  });

  it('clipping caps the applied global norm; length-normalized loss divides by each length', () => {
    const model = new SequenceModel({ kind: 'shared', hidden: 8, input: { type: 'features', size: 1 }, head: { type: 'classify', classes: 2 } });
    const opt = createOptimizer({ name: 'sgd', lr: 0.1 });
    const batch = sumSignBatch(16, 9);
    const before = [...model.vars.values()].map((v) => Float64Array.from(v.dataSync()));
    const r = trainStep(model, opt, batch, { clip: 1e-3 });
    expect(r.gradNorm).toBeGreaterThan(1e-3);
    expect(r.gradNormClipped).toBeCloseTo(1e-3, 8);
    // and the step SGD took is lr × the clipped gradient: its global norm is 0.1 · 1e−3
    const moved = Math.sqrt([...model.vars.values()].reduce((s, v, i) => s + (v.dataSync() as Float32Array).reduce((t: number, x: number, k: number) => t + (x - before[i][k]) ** 2, 0), 0));
    expect(Math.abs(moved / 1e-4 - 1)).toBeLessThan(0.01);
    const mean = model.loss(batch, 'mean');
    const normed = model.loss(batch, 'length-normalized');
    expect(normed.dataSync()[0]).toBeLessThan(mean.dataSync()[0]);
    tf.dispose([mean, normed]);
    disposeBatch(batch);
    opt.dispose();
    model.dispose();
  });

  it('200 training steps leave tf.memory().numTensors unchanged; dispose returns to baseline', () => {
    const baseline = tf.memory().numTensors;
    const model = new SequenceModel({ kind: 'unshared', cell: 'lstm', maxLen: 8, hidden: 8, input: { type: 'features', size: 1 }, head: { type: 'classify', classes: 2 } });
    const opt = createOptimizer({ name: 'adam', lr: 0.01 });
    const batches = Array.from({ length: 4 }, (_, i) => sumSignBatch(8, i));
    trainStep(model, opt, batches[0], { clip: 1 }); // the optimizer creates its slots on the first step
    const afterFirst = tf.memory().numTensors;
    for (let step = 0; step < 200; step++) trainStep(model, opt, batches[step % 4], { clip: 1, loss: step % 2 ? 'mean' : 'length-normalized' });
    expect(tf.memory().numTensors).toBe(afterFirst);
    batches.forEach(disposeBatch);
    opt.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });
});

describe.each(TEST_BACKENDS)('embedding lookup and its scatter-add gradient on %s', (backend) => {
  useBackend(backend);
  it('rows of E forward; repeated ids add up backward', async () => {
    const { Embedding } = await import('../../main/engine/models/heads.js');
    const emb = new Embedding(7, 3, createRng(4));
    const idRows = [[1, 2, 1], [6, 1, 0]];
    const ids = tf.tensor2d(idRows, undefined, 'int32');
    const wValues = Array.from({ length: 18 }, (_, i) => (i % 5) - 2);
    const w = tf.tensor3d(wValues, [2, 3, 3]);
    const E = Array.from(emb.E.dataSync());
    // dE[row] = Σ over the positions holding that id of w at that position
    const expected = new Array(21).fill(0);
    idRows.flat().forEach((id, p) => [0, 1, 2].forEach((k) => (expected[id * 3 + k] += wValues[p * 3 + k])));
    const looked = emb.apply(ids);
    const grad = tf.grad(() => tf.sum(tf.mul(emb.apply(ids), w)))(emb.E);
    expect(Array.from(looked.dataSync())).toEqual(idRows.flat().flatMap((id) => E.slice(id * 3, id * 3 + 3)));
    expect(Array.from(grad.dataSync())).toEqual(expected);
    if (backend === 'cpu') {
      // and equal to tf.gather's own gradient where the backend has one (UnsortedSegmentSum)
      const reference = tf.grad((e: tf.Tensor) => tf.sum(tf.mul(tf.gather(e, ids), w)))(emb.E);
      expect(Array.from(reference.dataSync())).toEqual(expected);
      reference.dispose();
    }
    tf.dispose([ids, w, looked, grad, emb.E]);
  });
});

describe('temporal conv as one matmul equals tf.conv1d', () => {
  useBackend('cpu');
  it('same outputs as a causal conv1d with the same filter', async () => {
    const model = new SequenceModel({ kind: 'conv', kernel: 3, hidden: 5, input: { type: 'features', size: 4 }, head: { type: 'classify', classes: 2 } });
    const core = model.core as unknown as { W: tf.Variable; b: tf.Variable };
    const rng = createRng(8);
    const x = tf.tensor3d(Float32Array.from({ length: 2 * 7 * 4 }, () => rng.normal()), [2, 7, 4]);
    const ours = model.core.forward(x);
    const reference = tf.tanh(tf.add(tf.conv1d(tf.pad(x, [[0, 0], [2, 0], [0, 0]]) as tf.Tensor3D, core.W as unknown as tf.Tensor3D, 1, 'valid'), core.b));
    const a = ours.dataSync();
    const b = reference.dataSync();
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));
    tf.dispose([x, ours, reference]);
    model.dispose();
  });
});

describe.each(TEST_BACKENDS)('hand-written kernels equal autodiff on %s (masked and full batches)', (backend) => {
  useBackend(backend);
  // unshared GRU and LSTM have fast kernels on wasm only (on cpu both sides are autodiff)
  const cases = [
    ...(['tanh', 'gru', 'lstm'] as const).map((cell) => ['shared', cell] as const),
    ...(['tanh', 'gru', 'lstm'] as const).map((cell) => ['unshared', cell] as const),
  ].flatMap(([kind, cell]) => (['single', 'pytorch'] as const).flatMap((biases) => (['variable', 'full', 'one step'] as const).map((lengths) => [kind, cell, biases, lengths] as const)));
  // 'one step': T = 1, where ∂W_hh has no h_{t−1} to multiply and is zero
  const LENGTHS = { variable: [9, 4, 1, 7], full: [9, 9, 9, 9], 'one step': [1, 1, 1, 1] };
  it.each(cases)('%s %s, %s biases, lengths: %s', (kind, cell, biases, shape) => {
    const config = { kind, cell, biases, hidden: 7, maxLen: 9, seed: 5, input: { type: 'features' as const, size: 3 }, head: { type: 'classify' as const, classes: 3 } };
    const fast = new SequenceModel({ ...config, kernels: 'fast' });
    const auto = new SequenceModel({ ...config, kernels: 'autodiff' });
    const rng = createRng(21);
    const lengths = LENGTHS[shape];
    const x = lengths.map(() => Array.from({ length: Math.max(...lengths) }, () => [rng.normal(), rng.normal(), rng.normal()]));
    const batch = tensorBatch({ x, lengths, y: [0, 2, 1, 2] });
    // states too, padded steps included (the fast kernels carry them after the loop)
    const [sa, sb] = [fast, auto].map((m) => tf.tidy(() => Array.from(m.forward(batch).states.dataSync())));
    sb.forEach((v, i) => expect(Math.abs(sa[i] - v), `state ${i}`).toBeLessThan(1e-5));
    const a = computeGradients(fast, batch);
    const b = computeGradients(auto, batch);
    expect(a.loss.dataSync()[0]).toBeCloseTo(b.loss.dataSync()[0], 5);
    // a weight no step reached (an unshared position past the batch's length) has no gradient, or zeros
    const values = (g: tf.Tensor | undefined, size: number) => (g ? Array.from(g.dataSync()) : Array<number>(size).fill(0));
    expect([...a.grads.keys()]).toEqual([...b.grads.keys()]);
    for (const [name, g] of b.grads) {
      const size = fast.vars.get(name)!.size;
      const mine = values(a.grads.get(name), size);
      values(g, size).forEach((v, i) => expect(Math.abs(mine[i] - v), `${name}[${i}]`).toBeLessThan(1e-5 + 1e-4 * Math.abs(v)));
    }
    tf.dispose([a.loss, b.loss, ...a.grads.values(), ...b.grads.values()].filter((t): t is tf.Tensor => Boolean(t)));
    disposeBatch(batch);
    fast.dispose();
    auto.dispose();
  });

  // the fast kernels' gradient probe (ForwardOptions.probe) against a zero tap per step through autodiff
  const probeCases = [
    ...(['tanh', 'gru', 'lstm'] as const).map((cell) => ['shared', cell] as const),
    ...(['tanh', 'gru', 'lstm'] as const).map((cell) => ['unshared', cell] as const),
  ].flatMap(([kind, cell]) => (['classify', 'regress'] as const).map((head) => [kind, cell, head] as const));
  it.each(probeCases)('%s %s, %s head: ‖∂L/∂h_t‖ per step from the kernels’ probe equals autodiff’s taps, padding included', (kind, cell, head) => {
    const config = { kind, cell, hidden: 6, maxLen: 9, seed: 8, input: { type: 'features' as const, size: 3 }, head: head === 'classify' ? { type: 'classify' as const, classes: 3 } : { type: 'regress' as const, outputs: 2 } };
    const fast = new SequenceModel({ ...config, kernels: 'fast' });
    const auto = new SequenceModel({ ...config, kernels: 'autodiff' });
    // the kernels' probe runs where they do: every shared cell; the unshared ones on wasm
    expect(fast.core.acceptsProbe?.(9)).toBe(kind === 'shared' || backend === 'wasm');
    expect(auto.core.acceptsProbe?.(9)).toBe(false);
    const rng = createRng(13);
    const lengths = [9, 4, 1, 7];
    const x = lengths.map((len) => Array.from({ length: 9 }, (_, t) => [0, 1, 2].map(() => (t < len ? rng.normal() : 0))));
    const y = head === 'classify' ? [0, 2, 1, 2] : lengths.map(() => Array.from({ length: 9 }, () => [rng.normal(), rng.normal()]));
    const batch = tensorBatch({ x, lengths, y });
    const before = tf.memory().numTensors;
    for (const mode of ['mean', 'length-normalized'] as const) {
      const [mine, reference] = [fast, auto].map((m) => timestepGradNorms(m, batch, mode));
      expect(mine).toHaveLength(9);
      reference.forEach((v, t) => expect(Math.abs(mine[t] - v), `${mode} t = ${t}`).toBeLessThan(1e-6 + 1e-4 * v));
      expect(reference.some((v) => v > 1e-3)).toBe(true);
    }
    expect(tf.memory().numTensors).toBe(before);
    disposeBatch(batch);
    fast.dispose();
    auto.dispose();
  });

  it.each(['classify', 'regress'] as const)('%s head: lossAndMetric gives loss and metric from one forward pass, exactly as loss() and metric()', (head) => {
    const model = new SequenceModel({ kind: 'shared', cell: 'gru', hidden: 5, seed: 3, input: { type: 'features', size: 2 }, head: head === 'classify' ? { type: 'classify', classes: 3 } : { type: 'regress', outputs: 2 } });
    const rng = createRng(6);
    const lengths = [6, 2, 4];
    const x = lengths.map((len) => Array.from({ length: 6 }, (_, t) => [0, 1].map(() => (t < len ? rng.normal() : 0))));
    const y = head === 'classify' ? [2, 0, 1] : lengths.map(() => Array.from({ length: 6 }, () => [rng.normal(), rng.normal()]));
    const batch = tensorBatch({ x, lengths, y });
    const before = tf.memory().numTensors;
    for (const mode of ['mean', 'length-normalized'] as const) {
      const [both, apart] = tf.tidy(() => [model.lossAndMetric(batch, mode, { inference: true }).map((t) => t.dataSync()[0]), [model.loss(batch, mode, { inference: true }), model.metric(batch, { inference: true })].map((t) => t.dataSync()[0])]);
      expect(both).toEqual(apart);
    }
    expect(tf.memory().numTensors).toBe(before);
    disposeBatch(batch);
    model.dispose();
  });

  it('a core refuses a probe it cannot give (it would read as zeros)', () => {
    const model = new SequenceModel({ kind: 'shared', cell: 'tanh', kernels: 'autodiff', hidden: 4, maxLen: 5, input: { type: 'features', size: 2 }, head: { type: 'classify', classes: 2 } });
    const batch = tensorBatch({ x: [[[1, 2], [3, 4]]], lengths: [2], y: [1] });
    const probe = tf.zeros([2, 1, 4]) as tf.Tensor3D;
    expect(() => tf.tidy(() => model.loss(batch, 'mean', { probe }))).toThrow(/takes no gradient probe/);
    tf.dispose(probe);
    disposeBatch(batch);
    model.dispose();
  });

  // a classifier over the fast kernels reads the states time-major (ForwardOptions.timeMajor)
  it.each([
    ['shared', 'tanh', 'fast'],
    ['shared', 'lstm', 'fast'],
    ['unshared', 'gru', 'fast'],
    ['shared', 'gru', 'autodiff'],
    ['conv', 'tanh', 'fast'],
  ] as const)('%s %s (%s): the logits from time-major states are those from batch-major ones, padding included', (kind, cell, kernels) => {
    const model = new SequenceModel({ kind, cell, kernels, hidden: 6, maxLen: 9, seed: 2, input: { type: 'features', size: 3 }, head: { type: 'classify', classes: 3 } });
    const rng = createRng(4);
    const lengths = [9, 4, 1, 7, 2];
    const x = lengths.map((len) => Array.from({ length: 9 }, (_, t) => [0, 1, 2].map(() => (t < len ? rng.normal() : 0))));
    const batch = tensorBatch({ x, lengths, y: [0, 2, 1, 2, 0] });
    const before = tf.memory().numTensors;
    const [viaForward, viaOutput] = tf.tidy(() => [Array.from(model.forward(batch).output.dataSync()), Array.from(model.output(batch).dataSync())]);
    expect(viaOutput).toEqual(viaForward);
    expect(tf.memory().numTensors).toBe(before);
    disposeBatch(batch);
    model.dispose();
  });
});

/** every kind × cell that has fast kernels */
const EVERY_MODEL = (['shared', 'unshared'] as const).flatMap((kind) => (['tanh', 'gru', 'lstm'] as const).map((cell) => [kind, cell] as const));

describe('gradients that underflow to exact zeros (wasm: those steps skip their products)', () => {
  useBackend('wasm');
  it.each(EVERY_MODEL)('%s %s equals autodiff, zeros included', (kind, cell) => {
    const config = { kind, cell, hidden: 7, maxLen: 12, seed: 3, input: { type: 'features' as const, size: 3 }, head: { type: 'classify' as const, classes: 2 } };
    const [fast, auto] = (['fast', 'autodiff'] as const).map((kernels) => new SequenceModel({ ...config, kernels }));
    // recurrent weights of 1e−12: the gradient shrinks ≈ 1e−12 a step back and is exact zeros
    // from about 4 steps before the end; gated cells also get their path around W_hh closed
    // (GRU z ≈ 0, LSTM f ≈ 0: the second gate block's bias −100)
    for (const m of [fast, auto]) {
      for (const [name, v] of m.vars) {
        if (name.startsWith('W_hh')) v.assign(tf.tidy(() => tf.mul(v, 1e-12)));
        if (name.startsWith('b_h') && cell !== 'tanh') v.assign(tf.tidy(() => tf.concat([v.slice(0, 7), tf.fill([7], -100), v.slice(14)])));
      }
    }
    const rng = createRng(4);
    const lengths = [12, 12, 8];
    const batch = tensorBatch({ x: lengths.map(() => Array.from({ length: 12 }, () => [rng.normal(), rng.normal(), rng.normal()])), lengths, y: [0, 1, 1] });
    const [a, b] = [fast, auto].map((m) => computeGradients(m, batch));
    let zeros = 0;
    for (const [name, g] of b.grads) {
      const mine = Array.from(a.grads.get(name)!.dataSync());
      Array.from(g!.dataSync()).forEach((v, i) => {
        if (v === 0) zeros++;
        expect(Math.abs(mine[i] - v), `${name}[${i}]`).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(v));
      });
    }
    // an unshared model's first positions get exact zeros (a shared one sums all steps)
    if (kind === 'unshared') {
      expect(zeros).toBeGreaterThan(0);
      expect(Array.from(a.grads.get('W_xh@0')!.dataSync()).every((v) => v === 0)).toBe(true);
    }
    tf.dispose([a.loss, b.loss, ...a.grads.values(), ...b.grads.values()].filter((t): t is tf.Tensor => Boolean(t)));
    disposeBatch(batch);
    fast.dispose();
    auto.dispose();
  });
});

describe('1,000 steps of every fast kernel on wasm (direct kernel calls, SIMD Adam)', () => {
  useBackend('wasm');
  const heap = () => (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
  it.each(EVERY_MODEL)('%s %s: tensors and wasm memory stay flat, the loss goes down', (kind, cell) => {
    const model = new SequenceModel({ kind, cell, maxLen: 8, hidden: 12, input: { type: 'features', size: 1 }, head: { type: 'classify', classes: 2 } });
    const opt = createOptimizer({ name: 'adam', lr: 0.01 });
    // ragged batches: padded steps are carried after the loop
    const batches = Array.from({ length: 4 }, (_, i) => sumSignBatch(16, i));
    const losses: number[] = [];
    for (let step = 0; step < 50; step++) losses.push(trainStep(model, opt, batches[step % 4], { clip: 1 }).loss);
    const [tensors, memory] = [tf.memory().numTensors, heap()];
    for (let step = 50; step < 1000; step++) losses.push(trainStep(model, opt, batches[step % 4], { clip: 1 }).loss);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(heap()).toBe(memory);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-40))).toBeLessThan(mean(losses.slice(0, 40)));
    batches.forEach(disposeBatch);
    opt.dispose();
    model.dispose();
  });
});

describe('batches of one-step sequences', () => {
  useBackend('wasm');
  it('train (one-word phrases bucket together into T = 1 batches)', () => {
    const model = new SequenceModel({ kind: 'shared', cell: 'gru', hidden: 6, input: { type: 'embedding', vocab: 5, embed: 3 }, head: { type: 'classify', classes: 2 } });
    const opt = createOptimizer({ name: 'adam', lr: 0.01 });
    const batch = tensorBatch({ x: [[1], [2], [3]], lengths: [1, 1, 1], y: [0, 1, 1] });
    const r = trainStep(model, opt, batch);
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(r.gradNorm).toBeGreaterThan(0);
    disposeBatch(batch);
    opt.dispose();
    model.dispose();
  });
});
