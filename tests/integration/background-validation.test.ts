/**
 * Validation on a spare core (background-scorer.ts) with a real helper thread: the same loss and
 * metric under the same steps as validating on the training thread, records in step order, a
 * helper that dies mid-run costing nothing, and a CLI run that says where it validates.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { RunConfigSchema, type MetricRecord, type RunConfigInput } from '../../main/contract.js';
import { BackgroundScorer, validatesOnHelper } from '../../main/runs/background-scorer.js';
import { prepareRunData } from '../../main/runs/run-data.js';
import { runTraining, type Checkpoint } from '../../main/runs/training-loop.js';
import { useBackend } from '../helpers/backend.js';

const noFiles = async () => {
  throw new Error('no files in this test');
};

const base: RunConfigInput = {
  data: { type: 'task', task: 'parity', count: 1500, minLen: 2, maxLen: 16 },
  model: { kind: 'shared', cell: 'gru', hidden: 16 },
  train: { maxSteps: 120, lr: 0.01, validateEvery: 10, parallel: 'off' },
  evalLengths: [4],
  seed: 7,
};

/** A run's records and status messages; `scorer` as the worker would hand it over; `stopAt`: the user's stop before that step. */
async function run(scorerFor: ((d: Awaited<ReturnType<typeof prepareRunData>>) => BackgroundScorer) | null, stopAt = Infinity, input: RunConfigInput = base, stepMs = 0) {
  const config = RunConfigSchema.parse(input);
  const data = await prepareRunData(config, noFiles);
  const scorer = scorerFor?.(data) ?? null;
  await scorer?.whenReady().catch(() => {}); // one that cannot start is the run's to handle
  const records: MetricRecord[] = [];
  const messages: string[] = [];
  const checkpoints: Checkpoint[] = [];
  let steps = 0;
  const status = await runTraining(
    config,
    data,
    {
      metrics: (r) => records.push(...r),
      status: (_s, _step, _total, m) => void (m && messages.push(m)),
      // what the worker writes: the records filed so far, beside the checkpoint
      checkpoint: (c) => void checkpoints.push({ ...c, filed: records.length } as Checkpoint),
      evaluation: () => {},
    },
    // as the worker's gate: a turn of the event loop between steps, where the helper's answers come in
    // (`stepMs` between steps: a slower step, so that answers come in between steps)
    { gate: async () => (await new Promise((r) => (stepMs ? setTimeout(r, stepMs) : setImmediate(r))), ++steps > stopAt ? 'stop' : 'go') },
    undefined,
    null,
    scorer,
  );
  await scorer?.dispose();
  return { records, messages, scorer, status, checkpoints: checkpoints as (Checkpoint & { filed: number })[] };
}

const valOf = (records: MetricRecord[]) => records.map((r) => [r.step, r.loss, r.valLoss, r.valMetric]);

describe('validation on a helper thread (wasm, real worker thread)', () => {
  useBackend('wasm');

  it('files the same loss and metric under the same steps as validating here, records in order', async () => {
    const here = await run(null);
    const tensors = tf.memory().numTensors;
    const there = await run((d) => BackgroundScorer.start(d.model, 'wasm'));
    expect(tf.memory().numTensors).toBe(tensors); // nothing left on the training thread
    const validated = here.records.filter((r) => r.valLoss !== null).map((r) => r.step);
    expect(validated).toEqual(expect.arrayContaining([10, 20, 110, 120])); // every 10 steps, and at each epoch's end
    expect(there.scorer!.answered).toBe(validated.length); // every one of them ran there
    expect(there.messages).toContain('validation runs on a second thread while training goes on');
    expect(there.records.map((r) => r.step)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    expect(valOf(there.records)).toEqual(valOf(here.records));
  });

  it('a helper that fails with a validation in flight costs nothing: that one and the rest run here', async () => {
    const here = await run(null);
    let broken = false;
    const there = await run((d) => {
      const scorer = BackgroundScorer.start(d.model, 'wasm');
      const ask = scorer.score.bind(scorer);
      // the fourth request reaches the helper one weight tensor short: it fails that request
      scorer.score = (weights, mode) => (scorer.answered === 3 && !broken ? ((broken = true), ask(weights.slice(1), mode)) : ask(weights, mode));
      return scorer;
    });
    expect(broken).toBe(true);
    expect(there.scorer!.answered).toBe(3);
    expect(there.messages.find((m) => m.startsWith('validation back on the training thread: a validation helper thread failed: expected'))).toBeTruthy();
    expect(valOf(there.records)).toEqual(valOf(here.records));
  });

  it('a helper that cannot start leaves validation here, and says so once', async () => {
    const here = await run(null);
    const there = await run((d) => BackgroundScorer.start({ ...d.model, hidden: 0 }, 'wasm'));
    expect(there.scorer!.answered).toBe(0);
    expect(there.messages.filter((m) => m.startsWith('validation back on the training thread: a validation helper thread failed: malformed command: model.hidden'))).toHaveLength(1);
    expect(there.messages).not.toContain('validation runs on a second thread while training goes on');
    expect(valOf(there.records)).toEqual(valOf(here.records));
  });

  it('a stop with a validation in flight files it before the checkpoint: the checkpoint and the records agree', async () => {
    const here = await run(null);
    const there = await run((d) => BackgroundScorer.start(d.model, 'wasm'), 30);
    expect(there.status).toBe('stopped');
    const last = there.checkpoints.at(-1)!;
    expect(last.step).toBe(30);
    expect(last.filed).toBe(30); // every record up to the checkpoint's step was written first
    expect(there.records.filter((r) => r.valLoss !== null).map((r) => r.step)).toEqual([10, 20, 30]);
    expect(valOf(there.records)).toEqual(valOf(here.records.slice(0, 30)));
  });
});

describe('early stopping with validation on a helper thread (wasm, real worker thread)', () => {
  useBackend('wasm');
  // stops after a few dozen steps (patience 2, a check every 5 steps)
  const early: RunConfigInput = { ...base, train: { epochs: 50, lr: 0.2, validateEvery: 5, earlyStopping: 2, parallel: 'off' } };
  /** A helper whose answers come `ms` late: training runs on past a validation before its answer. */
  const lateBy = (ms: number) => (d: Awaited<ReturnType<typeof prepareRunData>>) => {
    const scorer = BackgroundScorer.start(d.model, 'wasm');
    const ask = scorer.score.bind(scorer);
    scorer.score = (weights, mode) => ask(weights, mode).then(async (s) => (await new Promise((r) => setTimeout(r, ms)), s));
    return scorer;
  };
  const late = lateBy(40);
  const weightsOf = (c: Checkpoint) => Object.fromEntries(Object.entries(c.weights).map(([k, w]) => [k, Array.from(w.values)]));

  // 40 ms late: the answer that says stop is waited for at the next validation; 3 ms late with
  // 5 ms steps: it comes in between two steps
  it.each([
    [40, 0],
    [3, 5],
  ])('ends at the same step, with the same records, model and checkpoint as validating here (answers %i ms late, %i ms steps)', async (ms, stepMs) => {
    const here = await run(null, Infinity, early);
    const there = await run(lateBy(ms), Infinity, early, stepMs);
    const stop = /^early stopping: validation loss has not improved for 2 validations$/;
    expect(here.messages.filter((m) => stop.test(m))).toHaveLength(1);
    expect(there.messages.filter((m) => stop.test(m))).toHaveLength(1);
    expect(there.messages).toContain('validation runs on a second thread while training goes on');
    const last = here.records.at(-1)!.step;
    expect(last).toBeLessThan(500); // it stopped early (50 epochs are ≈ 2,100 steps)
    expect(there.scorer!.answered).toBe(here.records.filter((r) => r.valLoss !== null).length);
    expect(there.records.map((r) => r.step)).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    expect(valOf(there.records)).toEqual(valOf(here.records));
    expect([there.status, here.status]).toEqual(['completed', 'completed']);
    const [a, b] = [here.checkpoints.at(-1)!, there.checkpoints.at(-1)!];
    expect([b.step, b.filed, b.epoch, b.batchInEpoch, b.bestValLoss, b.sinceBest]).toEqual([last, last, a.epoch, a.batchInEpoch, a.bestValLoss, a.sinceBest]);
    expect(weightsOf(b)).toEqual(weightsOf(a));
    expect(b.optimizer.map((o) => Array.from(o.values))).toEqual(a.optimizer.map((o) => Array.from(o.values)));
  });

  it('a helper that fails midway: the rest is judged here, in step order, to the same end', async () => {
    const here = await run(null, Infinity, early);
    let broken = false;
    const there = await run(
      (d) => {
        const scorer = lateBy(40)(d);
        const ask = scorer.score.bind(scorer);
        // the second request reaches the helper one weight tensor short: it fails that request
        scorer.score = (weights, mode) => (scorer.answered === 1 && !broken ? ((broken = true), ask(weights.slice(1), mode)) : ask(weights, mode));
        return scorer;
      },
      Infinity,
      early,
    );
    expect(broken).toBe(true);
    expect(there.messages.some((m) => m.startsWith('validation back on the training thread:'))).toBe(true);
    expect(valOf(there.records)).toEqual(valOf(here.records));
    expect(there.checkpoints.at(-1)!.step).toBe(here.checkpoints.at(-1)!.step);
  });

  it('a stop asked for while the validation that says stop is out: the run ends at that validation', async () => {
    const here = await run(null, Infinity, early);
    const last = here.records.at(-1)!.step;
    // the user's stop comes a step after the last validation, before its late answer
    const there = await run(late, last + 1, early);
    expect(there.status).toBe('completed');
    expect(there.records.at(-1)!.step).toBe(last);
    expect(there.checkpoints.at(-1)!.step).toBe(last);
    expect(valOf(there.records)).toEqual(valOf(here.records));
  });
});

describe('validatesOnHelper: where validation moves to a spare core', () => {
  const sst2 = { threads: 1, cores: 2, backend: 'wasm' as const, valTokens: 63_000, trainTokensPerCheck: 50 * 32 * 9.4 };
  it('a big validation set on one thread with a core to spare', () => {
    expect(validatesOnHelper(sst2)).toBe(true);
  });
  it('not where it would cost more than it saves, nor without a core or wasm', () => {
    expect(validatesOnHelper({ ...sst2, valTokens: 1_000 })).toBe(false); // < a tenth of the training between checks
    expect(validatesOnHelper({ ...sst2, threads: 2 })).toBe(false); // a split run's helper has the other core
    expect(validatesOnHelper({ ...sst2, threads: 2, cores: 4 })).toBe(true); // … unless there are more
    expect(validatesOnHelper({ ...sst2, cores: 1 })).toBe(false);
    expect(validatesOnHelper({ ...sst2, backend: 'tensorflow' })).toBe(false);
  });
});

describe('a CLI run on SST-2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnwb-bgval-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it.runIf(availableParallelism() >= 2)('validates its 6,735 held-out phrases on a second thread and records every step', () => {
    const session = join(dir, 'sst2');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'main/cli/index.ts', 'train', '--data', '../shared/datasets/sst2-train.tsv', '--cell', 'gru', '--hidden', '32', '--steps', '150', '--session', session], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('validation runs on a second thread while training goes on');
    const records = readFileSync(join(session, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as MetricRecord);
    expect(records.map((m) => m.step)).toEqual(Array.from({ length: 150 }, (_, i) => i + 1));
    expect(records.filter((m) => m.valLoss !== null).map((m) => m.step)).toEqual([50, 100, 150]);
  });
});
