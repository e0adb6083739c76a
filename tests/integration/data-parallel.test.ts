/**
 * Data-parallel training over real worker threads: the combined step is the one-thread step,
 * replicas never drift, a broken helper fails with a sentence, and 'auto' decides as measured.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelConfigSchema, SessionFileSchema, type ModelConfigInput } from '../../main/contract.js';
import type { PlainBatch } from '../../main/data/batches.js';
import { disposeBatch, tensorBatch } from '../../main/engine/batch.js';
import { SequenceModel, type LossMode } from '../../main/engine/models/sequence-model.js';
import { createRng } from '../../main/engine/random.js';
import { createOptimizer, trainStep } from '../../main/engine/train.js';
import { DataParallel, disposeShards, prepareShards, splitBatch } from '../../main/runs/data-parallel.js';
import { dealSet, evalSet, fromSums, scoreSet, scoreSums } from '../../main/runs/evaluate.js';
import { resolveParallel } from '../../main/runs/parallel-plan.js';
import { useBackend } from '../helpers/backend.js';
import { repoRoot } from '../helpers/fixtures.js';

useBackend('wasm');

const rng = createRng(3);
/** Variable lengths, so shards pad differently and masks matter. */
function featureBatch(B: number, T: number, n: number): PlainBatch {
  const lengths = Array.from({ length: B }, (_, i) => (i % 3 === 0 ? T : 2 + rng.int(T - 1)));
  return {
    x: lengths.map((len) => Array.from({ length: T }, (_, t) => Array.from({ length: n }, () => (t < len ? rng.normal() : 0)))),
    lengths,
    y: lengths.map(() => rng.int(3)),
  };
}

const config = (over: Partial<ModelConfigInput> = {}) =>
  ModelConfigSchema.parse({ kind: 'shared', cell: 'gru', hidden: 24, input: { type: 'features', size: 5 }, head: { type: 'classify', classes: 3 }, seed: 7, ...over });

function weights(m: SequenceModel): Float32Array[] {
  return [...m.vars.values()].map((v) => v.dataSync() as Float32Array);
}

/** Two identical models with their own optimizers: one trains on this thread, one through the helpers. */
function twins(cfg: ReturnType<typeof config>, optimizer: { name: 'adam' | 'sgd'; lr: number }) {
  const models = [new SequenceModel(cfg), new SequenceModel(cfg)] as const;
  const optimizers = [createOptimizer(optimizer), createOptimizer(optimizer)] as const;
  return {
    models,
    optimizers,
    dispose() {
      models.forEach((m) => m.dispose());
      optimizers.forEach((o) => o.dispose());
    },
  };
}

const started: DataParallel[] = [];
afterAll(async () => Promise.all(started.map((p) => p.dispose())));

/**
 * Twin unshared tanh models (SGD): each step trains one on the whole batch on this thread and
 * the other on the batch's shards over a 2-thread split run. Losses and gradient norms agree
 * step by step, the weights at the end (to float rounding), and no tensors are left behind.
 */
async function expectSplitMatchesWhole(steps: { whole: PlainBatch; shards: PlainBatch[] }[], loss: LossMode) {
  const cfg = config({ cell: 'tanh', kind: 'unshared', maxLen: 9 });
  const pair = twins(cfg, { name: 'sgd', lr: 0.1 });
  const [one, two] = pair.models;
  const [optOne, optTwo] = pair.optimizers;
  const parallel = await DataParallel.start(cfg, 'wasm', 'split', 2);
  started.push(parallel);
  const before = tf.memory().numTensors;
  for (const { whole, shards } of steps) {
    const batch = tensorBatch(whole);
    const a = trainStep(one, optOne, batch, { loss });
    disposeBatch(batch);
    const b = await parallel.step(two, optTwo, shards, { loss });
    expect(b.loss).toBeCloseTo(a.loss, 5);
    expect(b.gradNorm / a.gradNorm).toBeCloseTo(1, 5);
    // unshared weights past a shard's longest sequence get no gradient there: norms still agree
    for (const name of Object.keys(a.gradNorms)) expect(b.gradNorms[name], name).toBeCloseTo(a.gradNorms[name], 5);
  }
  expect(tf.memory().numTensors).toBe(before);
  const [wa, wb] = [weights(one), weights(two)];
  wa.forEach((w, i) => w.forEach((v, k) => expect(Math.abs(wb[i][k] - v)).toBeLessThan(1e-5)));
  pair.dispose();
}

/** A model, its optimizer and a started 2-thread split run for it (the run is disposed after all). */
async function splitRun() {
  const cfg = config();
  const parallel = await DataParallel.start(cfg, 'wasm', 'split', 2);
  started.push(parallel);
  return { model: new SequenceModel(cfg), optimizer: createOptimizer({ name: 'sgd', lr: 0.1 }), parallel };
}

describe('DataParallel (real worker threads)', () => {
  it('the same batch on both threads gives bit-for-bit the one-thread update, step after step', async () => {
    // a whole batch per thread, both threads given the same batch: the mean of two equal
    // gradients is exactly that gradient, so any difference would be a replica out of step
    const cfg = config();
    const pair = twins(cfg, { name: 'adam', lr: 0.01 });
    const [one, two] = pair.models;
    const [optOne, optTwo] = pair.optimizers;
    const parallel = await DataParallel.start(cfg, 'wasm', 'full', 2);
    started.push(parallel);
    for (let step = 0; step < 5; step++) {
      const plain = featureBatch(12, 9, 5);
      const batch = tensorBatch(plain);
      const a = trainStep(one, optOne, batch, { clip: 1 });
      disposeBatch(batch);
      const b = await parallel.step(two, optTwo, [plain, plain], { clip: 1 });
      expect(b.loss).toBe(a.loss);
      expect(b.gradNorm).toBe(a.gradNorm);
    }
    const [wa, wb] = [weights(one), weights(two)];
    wa.forEach((w, i) => expect(Buffer.from(wb[i].buffer).equals(Buffer.from(w.buffer))).toBe(true));
    pair.dispose();
  });

  it('a split batch gives the whole batch’s loss and gradient (to float rounding), no tensors left behind', async () => {
    const steps = Array.from({ length: 4 }, () => {
      const whole = featureBatch(11, 9, 5);
      return { whole, shards: splitBatch(whole, 2) };
    });
    expect(steps.map((s) => s.shards.map((shard) => shard.lengths.length))).toEqual(Array(4).fill([6, 5]));
    await expectSplitMatchesWhole(steps, 'length-normalized');
  });

  it('unshared positions that only one shard reaches (either one) are summed right', async () => {
    // a shard padded to its own longest sequence, as splitBatch makes them
    const sequences = (lengths: number[]): PlainBatch => ({
      x: lengths.map((len) => Array.from({ length: Math.max(...lengths) }, (_, t) => Array.from({ length: 5 }, () => (t < len ? rng.normal() : 0)))),
      lengths,
      y: lengths.map(() => rng.int(3)),
    });
    // this thread's shard short and the helper's long, then the other way round
    const steps = [
      [[3, 2, 4], [9, 7]],
      [[9, 8], [2, 3, 4]],
    ].map(([mine, theirs]) => {
      const shards = [sequences(mine), sequences(theirs)];
      const T = Math.max(...mine, ...theirs);
      const pad = (b: PlainBatch) => (b.x as number[][][]).map((seq) => [...seq, ...Array.from({ length: T - seq.length }, () => Array(5).fill(0))]);
      const whole: PlainBatch = { x: [...pad(shards[0]), ...pad(shards[1])], lengths: [...mine, ...theirs], y: [...(shards[0].y as number[]), ...(shards[1].y as number[])] };
      return { whole, shards };
    });
    await expectSplitMatchesWhole(steps, 'mean');
  });

  it('shards prepared once give the plain shards’ steps, step after step, and leave no tensors behind', async () => {
    const cfg = config({ cell: 'tanh' });
    const pair = twins(cfg, { name: 'adam', lr: 0.01 });
    const [one, two] = pair.models;
    const [optOne, optTwo] = pair.optimizers;
    const parallel = await DataParallel.start(cfg, 'wasm', 'split', 2);
    started.push(parallel);
    const shards = splitBatch(featureBatch(10, 7, 5), 2);
    // counted after the optimizers have made their moments
    let before = 0;
    const prepared = prepareShards(shards);
    // the same batch every step (the bench's use): its buffers must survive being sent
    for (let step = 0; step < 3; step++) {
      const a = await parallel.step(one, optOne, shards);
      const b = await parallel.step(two, optTwo, prepared);
      expect(b.loss).toBe(a.loss);
      expect(b.gradNorm).toBe(a.gradNorm);
      if (step === 0) before = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(before);
    // disposing them frees exactly the training thread's four (x, mask, lengths, y)
    disposeShards(prepared);
    expect(tf.memory().numTensors).toBe(before - 4);
    pair.dispose();
  });

  it('a shard the helper cannot run fails the step with the helper’s reason, and later steps say so too', async () => {
    const { model, optimizer, parallel } = await splitRun();
    const good = featureBatch(4, 6, 5);
    // the helper's shard has 6 features where the model takes 5
    const bad = featureBatch(4, 6, 6);
    const before = weights(model).map((w) => w.slice());
    await expect(parallel.step(model, optimizer, [good, bad])).rejects.toThrow('a gradient helper thread failed: expected 5 features per step, got 6');
    // nothing was applied
    weights(model).forEach((w, i) => expect([...w]).toEqual([...before[i]]));
    await expect(parallel.step(model, optimizer, [good, good])).rejects.toThrow(/^a gradient helper thread failed/);
    model.dispose();
    optimizer.dispose();
  });

  it('a validation set dealt across the threads scores as it does whole on one thread, on 2 and on 3 threads', async () => {
    const { model, optimizer, parallel } = await splitRun();
    const three = await DataParallel.start(model.config, 'wasm', 'split', 3);
    started.push(three);
    // 700 items of lengths 2–9: six length-sorted batches of up to 128
    const items = Array.from({ length: 700 }, () => {
      const len = 2 + rng.int(8);
      return { values: Array.from({ length: len }, () => Array.from({ length: 5 }, () => rng.normal())), label: rng.int(3) };
    });
    const set = evalSet(items, model.config);
    expect(set).toHaveLength(6);
    const whole = scoreSet(model, set, 'length-normalized')!;
    const before = tf.memory().numTensors;
    for (const p of [parallel, three]) {
      const shares = dealSet(set, p.threads);
      p.keepScoreSet(shares.slice(1));
      const theirs = await p.scoreShares([...model.vars.values()].map((v) => v.dataSync() as Float32Array<ArrayBuffer>), 'length-normalized');
      const dealt = fromSums([scoreSums(model, shares[0], 'length-normalized'), ...theirs])!;
      expect(dealt.n).toBe(700);
      expect(dealt.loss).toBeCloseTo(whole.loss, 6);
      expect(dealt.metric).toBeCloseTo(whole.metric, 6);
    }
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    optimizer.dispose();
  });

  it('a helper thread that dies fails the step with a sentence, not a hang', async () => {
    const { model, optimizer, parallel } = await splitRun();
    const shards = splitBatch(featureBatch(8, 6, 5), 2);
    await parallel.step(model, optimizer, shards);
    // killed from outside (as the OS would) just before the step: the step hears of the exit
    const helper = (parallel as unknown as { helpers: { worker: import('node:worker_threads').Worker }[] }).helpers[0];
    const exited = helper.worker.terminate();
    await expect(parallel.step(model, optimizer, shards)).rejects.toThrow('a gradient helper thread exited (code 1)');
    await exited;
    model.dispose();
    optimizer.dispose();
  });

  it('a helper that cannot build the model fails with a sentence, not a hang', async () => {
    const bad = { ...config(), hidden: -1 } as ReturnType<typeof config>;
    await expect(DataParallel.start(bad, 'wasm', 'split', 2)).rejects.toThrow('a gradient helper thread failed: malformed command: model.hidden: Too small: expected number to be >0');
  });
});

describe('resolveParallel: what auto picks, and why', () => {
  const big = config({ cell: 'tanh', hidden: 256, input: { type: 'features', size: 32 } });
  const small = config({ cell: 'tanh', hidden: 16, input: { type: 'features', size: 2 } });
  it.each([
    ['auto', big, 32, 50, 'wasm', 2, 'split', 2],
    ['auto', small, 32, 8, 'wasm', 2, 'off', 1],
    // bench A (3.3e7 multiply-adds a step) splits; the same model on half the length does not
    ['auto', config({ cell: 'tanh', hidden: 128, input: { type: 'features', size: 32 } }), 32, 50, 'wasm', 2, 'split', 2],
    ['auto', config({ cell: 'tanh', hidden: 128, input: { type: 'features', size: 32 } }), 32, 25, 'wasm', 2, 'off', 1],
    ['auto', big, 32, 50, 'wasm', 1, 'off', 1],
    ['auto', big, 32, 50, 'tensorflow-gpu', 2, 'off', 1],
    ['auto', { ...big, kind: 'unshared' }, 32, 50, 'wasm', 2, 'off', 1],
    // a big embedding table is sent every step: not worth splitting short phrases
    ['auto', config({ input: { type: 'embedding', vocab: 14_000, embed: 32 }, hidden: 64 }), 64, 9, 'wasm', 2, 'off', 1],
    ['split', small, 32, 8, 'wasm', 2, 'split', 2],
    ['split', big, 3, 50, 'wasm', 2, 'off', 1],
    ['full', small, 3, 8, 'cpu', 4, 'full', 4],
    ['off', big, 32, 50, 'wasm', 2, 'off', 1],
    // many cores: only as many threads as the step's work pays for (1.2e8 multiply-adds → 5)
    ['auto', big, 32, 50, 'wasm', 8, 'split', 5],
    ['auto', config({ cell: 'lstm', hidden: 256, input: { type: 'features', size: 128 } }), 32, 100, 'wasm', 8, 'split', 8],
  ] as const)('%s with %#', (mode, model, batch, length, backend, cores, want, threads) => {
    const plan = resolveParallel(mode, model, batch, length, backend, cores);
    expect([plan.mode, plan.threads]).toEqual([want, threads]);
    expect(plan.reason.length).toBeGreaterThan(10);
  });
  it('splits as asked where auto would not, and says why auto would not', () => {
    const unshared = resolveParallel('split', { ...big, kind: 'unshared' }, 32, 50, 'wasm', 2);
    expect(unshared).toMatchObject({ mode: 'split', threads: 2 });
    expect(unshared.reason).toBe("2 threads, each step's batch split across them, as asked (auto would not split: the unshared model trains slower split (its T weight sets travel every step))");
    expect(resolveParallel('split', big, 32, 50, 'wasm', 2).reason).toBe("2 threads, each step's batch split across them");
  });
});

describe('a run with --parallel split', () => {
  it('trains through the CLI in a worker process and records its threads in the session', () => {
    const session = join(mkdtempSync(join(tmpdir(), 'rnnwb-dp-')), 'run');
    const r = spawnSync(
      process.execPath,
      [resolve(repoRoot, 'bin/rnn-workbench.js'), 'train', '--task', 'parity', '--hidden', '32', '--steps', '30', '--parallel', 'split', '--session', session],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.stderr).toContain("threads: 2 threads, each step's batch split across them");
    expect(r.status).toBe(0);
    const file = SessionFileSchema.parse(JSON.parse(readFileSync(join(session, 'session.json'), 'utf8')));
    expect(file.status).toBe('completed');
    expect(file.parallel).toMatchObject({ mode: 'split', threads: 2 });
    const steps = readFileSync(join(session, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    expect(steps).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });
});

describe('a run that auto splits', () => {
  it('times split against one thread on this machine, keeps the faster, and records why', () => {
    const session = join(mkdtempSync(join(tmpdir(), 'rnnwb-dp-')), 'run');
    // a GRU step of ≈ 7e7 multiply-adds: auto splits it on 2 cores, then checks
    const r = spawnSync(
      process.execPath,
      [resolve(repoRoot, 'bin/rnn-workbench.js'), 'train', '--task', 'parity', '--cell', 'gru', '--hidden', '128', '--seq-len', '20-40', '--steps', '200', '--session', session],
      { encoding: 'utf8', timeout: 180_000 },
    );
    expect(r.status).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('threads: '));
    expect(lines[0]).toBe("threads: 2 threads, each step's batch split across them");
    expect(lines[1]).toMatch(/^threads: (2 threads, each step's batch split across them|one thread: splitting did not pay here) \(measured on this run: [\d.]+ ms a step split, [\d.]+ ms on one thread\)$/);
    const file = SessionFileSchema.parse(JSON.parse(readFileSync(join(session, 'session.json'), 'utf8')));
    expect(file.status).toBe('completed');
    expect(file.parallel?.reason).toBe(lines[1].slice('threads: '.length));
    // every step trained once, whichever way each ran
    const steps = readFileSync(join(session, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    expect(steps).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });
});
