/**
 * Runs in real worker processes: learning, concurrency, pause/resume, kill -9 and resume
 * from checkpoint, NaN handling. Sessions are read back from disk, as a user would.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WorkerEvent } from '../../main/contract.js';
import { nodeSpawner, RunHandle } from '../../main/runs/host.js';
import { Scheduler } from '../../main/runs/scheduler.js';
import { extendSession } from '../../main/sessions/extend.js';
import { FILES, listCheckpoints, loadSession } from '../../main/sessions/store.js';
import { datasetsDir, repoRoot } from '../helpers/fixtures.js';
import { LONG_RUN, newSession, PARITY_RUN, tempDir } from '../helpers/sessions.js';

const spawn = nodeSpawner();

function waitFor(run: RunHandle, predicate: (e: WorkerEvent) => boolean, timeoutMs = 60_000): Promise<WorkerEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for a worker event')), timeoutMs);
    void run.done.then((status) => reject(new Error(`the run ended (${status}: ${run.lastError}) before the awaited event`)));
    const listener = (e: WorkerEvent) => {
      if (predicate(e)) {
        clearTimeout(timer);
        run.off('event', listener);
        resolve(e);
      }
    };
    run.on('event', listener);
  });
}

const metricsStep = (e: WorkerEvent) => (e.type === 'metrics' ? e.records.at(-1)!.step : -1);

/** Steps 1…n, each once, in order: no duplicates, no torn or missing records. */
function expectContiguous(steps: number[]): void {
  expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
}

describe('training runs in worker processes', () => {
  it('a GRU on parity learns: validation accuracy ≥ 0.9 (chance is 0.5), and generalizes to length 16', async () => {
    const dir = newSession(PARITY_RUN);
    const run = new RunHandle(dir, spawn);
    expect(await run.done).toBe('completed');
    const s = loadSession(dir);
    expect(s.session.status).toBe('completed');
    expect(s.session.backend?.backend).toBeDefined();
    expect(s.session.params).toBe(3 * 32 * (1 + 32 + 1) + 2 * 32 + 2);
    expectContiguous(s.metrics.map((m) => m.step));
    const lastVal = [...s.metrics].reverse().find((m) => m.valMetric !== null)!;
    expect(lastVal.valMetric).toBeGreaterThanOrEqual(0.9);
    const curve = s.evals.at(-1)!;
    expect(curve.trainedMax).toBe(8);
    expect(curve.points.find((p) => p.length === 16)!.metric).toBeGreaterThan(0.75);
    // per-parameter gradient norms and per-timestep probes are recorded
    expect(Object.keys(s.metrics[0].gradNorms)).toEqual(['W_xh', 'W_hh', 'b_h', 'W_out', 'b_out']);
    expect(s.metrics[0].timestepGrad!.length).toBeGreaterThan(1);
    expect(listCheckpoints(dir).length).toBeGreaterThan(0);
  });

  it('two runs at once, through the scheduler; a third waits for a free slot', async () => {
    const scheduler = new Scheduler(spawn, 2);
    const small = { ...PARITY_RUN, train: { ...PARITY_RUN.train, epochs: 1 } };
    const dirs = [newSession(small), newSession({ ...small, model: { kind: 'unshared', cell: 'tanh', hidden: 16, maxLen: 8 } }), newSession(small)];
    let maxActive = 0;
    scheduler.on('status', () => (maxActive = Math.max(maxActive, scheduler.active)));
    const done = dirs.map((d) => scheduler.enqueue(d));
    expect(scheduler.status(dirs[2])).toBe('queued');
    expect(await Promise.all(done)).toEqual(['completed', 'completed', 'completed']);
    expect(maxActive).toBe(2);
    for (const d of dirs) expect(loadSession(d).session.status).toBe('completed');
  });

  it('pause holds the run (no new steps), resume continues it, stop ends it with a checkpoint', async () => {
    const dir = newSession(LONG_RUN);
    const run = new RunHandle(dir, spawn);
    await waitFor(run, (e) => metricsStep(e) >= 5);
    run.pause();
    await waitFor(run, (e) => e.type === 'status' && e.status === 'paused');
    expect(loadSession(dir).session.status).toBe('paused');
    await new Promise((r) => setTimeout(r, 300)); // a step in flight may still land
    const frozen = loadSession(dir).metrics.length;
    // what was measured before the pause is on disk, not held back in memory
    expect(frozen).toBeGreaterThanOrEqual(5);
    await new Promise((r) => setTimeout(r, 1500));
    expect(loadSession(dir).metrics.length).toBe(frozen);
    run.resume();
    await waitFor(run, (e) => metricsStep(e) > frozen + 3);
    run.stop();
    expect(await run.done).toBe('stopped');
    const s = loadSession(dir);
    expect(s.session.status).toBe('stopped');
    expectContiguous(s.metrics.map((m) => m.step));
    expect(Number(listCheckpoints(dir).at(-1))).toBe(s.metrics.at(-1)!.step);
  });

  it('one process trains a session at a time: a second resume (another terminal, the app) is refused and leaves the running one alone', async () => {
    const dir = newSession(LONG_RUN);
    const first = new RunHandle(dir, spawn);
    await waitFor(first, (e) => metricsStep(e) >= 3);
    const second = new RunHandle(dir, spawn, true);
    expect(await second.done).toBe('failed');
    expect(second.lastError).toMatch(new RegExp(`^cannot train this session: process ${first.pid} has been training this session since \\d{4}-\\d\\d-\\d\\dT.*\\(if no such process is running, delete .*run\\.lock\\)$`));
    // the running one's session is untouched, and it trains on
    expect(loadSession(dir).session.status).toBe('running');
    expect(() => extendSession(dir, { epochs: 60, maxSteps: null })).toThrow(/^cannot train this run further: process \d+ has been training/);
    const at = metricsStep(await waitFor(first, (e) => metricsStep(e) > 0));
    await waitFor(first, (e) => metricsStep(e) > at + 2);
    first.stop();
    expect(await first.done).toBe('stopped');
    // the lock went with it: the session resumes
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
    const again = new RunHandle(dir, spawn, true);
    await waitFor(again, (e) => metricsStep(e) > 0);
    again.kill();
    await again.done;
    // a lock a killed process left is taken over
    expect(existsSync(join(dir, 'run.lock'))).toBe(true);
    const after = new RunHandle(dir, spawn, true);
    await waitFor(after, (e) => metricsStep(e) > 0);
    after.stop();
    expect(await after.done).toBe('stopped');
    expectContiguous(loadSession(dir).metrics.map((m) => m.step));
  });

  it('kill -9 at 20 random steps: the session stays readable and complete up to the last flush; resume continues the curve', async () => {
    const dir = newSession(LONG_RUN);
    const rng = (() => {
      let x = 12345;
      return () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    })();
    const kills = 20;
    let previous = 0;
    for (let k = 0; k < kills; k++) {
      const run = new RunHandle(dir, spawn, k > 0);
      const target = previous + 3 + Math.floor(rng() * 15);
      await waitFor(run, (e) => metricsStep(e) >= target);
      run.kill('SIGKILL');
      expect(await run.done).toBe('failed');
      expect(run.lastError).toMatch(/^the training process was killed \(SIGKILL\) at step \d+; the session keeps every metric/);
      const s = loadSession(dir);
      expect(s.session.status).toBe('failed');
      expect(s.session.error).toBe(run.lastError);
      const steps = s.metrics.map((m) => m.step);
      expectContiguous(steps);
      // at most one flush interval (100 ms of steps) may be lost
      expect(steps.at(-1)!).toBeGreaterThanOrEqual(target);
      // no temp files left behind by atomic writes
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      previous = listCheckpoints(dir).length ? Number(listCheckpoints(dir).at(-1)) : 0;
    }
    // a final resume runs to the end; the curve continues from the last checkpoint without duplicates
    const checkpointStep = Number(listCheckpoints(dir).at(-1));
    const resumed = new RunHandle(dir, spawn, true);
    const first = (await waitFor(resumed, (e) => e.type === 'metrics')) as Extract<WorkerEvent, { type: 'metrics' }>;
    expect(first.records[0].step).toBe(checkpointStep + 1);
    resumed.stop();
    expect(await resumed.done).toBe('stopped');
    expectContiguous(loadSession(dir).metrics.map((m) => m.step));
  });

  it('a data file changed since the run trained on it: resume and eval refuse it (its split would mix held-out and training rows), and work again once it is restored', async () => {
    const data = join(tempDir('rnnwb-changed-'), 'dev.tsv');
    const original = readFileSync(join(datasetsDir, 'sst2-dev.tsv'));
    writeFileSync(data, original);
    const dir = newSession({ data: { type: 'file', path: data }, model: { kind: 'shared', cell: 'tanh', hidden: 8 }, train: { epochs: 50, batch: 16 } });
    const run = new RunHandle(dir, spawn);
    await waitFor(run, (e) => metricsStep(e) >= 3);
    run.stop();
    expect(await run.done).toBe('stopped');
    const steps = loadSession(dir).metrics.length;
    appendFileSync(data, '1\tone more row\n');
    const refused = /^dev\.tsv: the file changed since this session trained on it \(sha256 [0-9a-f]{12}… then, [0-9a-f]{12}… now\): its validation split and vocabulary would not be the run's, so (resuming|evaluating) would mix held-out and training examples\. Restore the file, or train a new session on it$/;
    const resumed = new RunHandle(dir, spawn, true);
    expect(await resumed.done).toBe('failed');
    expect(resumed.lastError).toMatch(refused);
    expect(loadSession(dir).metrics).toHaveLength(steps);
    const cli = (...args: string[]) => spawnSync(process.execPath, [join(repoRoot, 'bin/rnn-workbench.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
    const evaluated = cli('eval', '--session', dir, '--lengths', '10');
    expect(evaluated.status).toBe(2);
    expect(evaluated.stderr.trim()).toMatch(new RegExp(refused.source.replace('^', '^rnn-workbench: ')));
    writeFileSync(data, original);
    expect(cli('eval', '--session', dir, '--lengths', '10').status).toBe(0);
  });

  it('a diverging run stops with a clear message naming the step and what to try', async () => {
    // plain SGD at lr 10 on a regression: the linear readout's error grows geometrically
    const data = { type: 'file' as const, path: join(datasetsDir, 'AirPassengers.csv'), window: 12 };
    const dir = newSession({ data, model: { kind: 'shared', cell: 'tanh', hidden: 16 }, train: { epochs: 5, lr: 10, optimizer: 'sgd' } });
    const run = new RunHandle(dir, spawn);
    expect(await run.done).toBe('failed');
    const s = loadSession(dir).session;
    // whichever comes first: a NaN/Inf loss or gradient
    expect(s.error).toMatch(/^the loss became (NaN|infinite) at step \d+; try a lower learning rate \(now 10\) or gradient clipping/);
  });

  it('a bad data path fails the run with the file named, and the worker exits', async () => {
    const dir = newSession({ ...PARITY_RUN, data: { type: 'file', path: '/no/such/data.csv' } });
    const run = new RunHandle(dir, spawn);
    expect(await run.done).toBe('failed');
    expect(loadSession(dir).session.error).toBe('data.csv: cannot open /no/such/data.csv: no such file');
  });

  it('a forecast window longer than any series\' training part fails the run, saying which window fits, instead of completing untrained', async () => {
    // AirPassengers: 144 months, the last 10 % held out, so the training part is 130 steps
    const dir = newSession({ data: { type: 'file', path: join(datasetsDir, 'AirPassengers.csv'), window: 130 }, model: { kind: 'shared', hidden: 4 }, train: { maxSteps: 3 } });
    expect(await new RunHandle(dir, spawn).done).toBe('failed');
    expect(loadSession(dir).session.error).toBe('AirPassengers.csv: a window of 130 steps (and the step it forecasts) does not fit in the training part of any series: the longest has 130 steps (the last 10 % of each series is held out for validation); use a window of at most 129');
  });

  it('real files train too: SST-2 dev (text, embedding) and AirPassengers (forecast with a 12-month clock)', async () => {
    const text = newSession({ data: { type: 'file', path: join(datasetsDir, 'sst2-dev.tsv') }, model: { kind: 'shared', cell: 'gru', hidden: 16 }, train: { epochs: 1, maxSteps: 15, batch: 16 }, evalLengths: [10, 60] });
    const series = newSession({ data: { type: 'file', path: join(datasetsDir, 'AirPassengers.csv'), window: 12, clocks: ['12mo'] }, model: { kind: 'shared', hidden: 16 }, train: { epochs: 2 }, evalLengths: [12, 24] });
    expect(await new RunHandle(text, spawn).done).toBe('completed');
    expect(await new RunHandle(series, spawn).done).toBe('completed');
    const t = loadSession(text);
    expect(t.session.dataset).toMatchObject({ rows: 872, columns: ['label', 'content'] });
    expect(t.session.dataset!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(t.session.model!.input).toMatchObject({ type: 'embedding', embed: 32 });
    expect(t.metrics).toHaveLength(15);
    const s = loadSession(series);
    expect(s.session.model!.input).toEqual({ type: 'features', size: 3 }); // value + sin/cos of the month
    expect(s.evals[0].metricName).toBe('mse');
    expect(s.evals[0].points.map((p) => p.status)).toEqual(['ok', 'ok']);
  });

  it('session files are JSON lines a person can read', () => {
    const dir = newSession(PARITY_RUN);
    expect(existsSync(join(dir, FILES.session))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, FILES.session), 'utf8')).status).toBe('queued');
  });
});
