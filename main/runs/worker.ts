/**
 * Entry of one training process. Speaks the contract over its parent port: validates every
 * command, trains one session, writes it to disk as it goes (so a kill -9 loses at most the
 * last flush), and reports metrics, status and evaluation back.
 */
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { WorkerCommandSchema, type BackendName, type ParallelPlan, type RunConfig, type RunStatus, type WorkerEvent } from '../contract.js';
import { totalLength } from '../data/batches.js';
import { overlapText } from '../data/validation-match.js';
import { initBackend } from '../engine/backend.js';
import { modelParams } from '../engine/params.js';
import { lockRun } from '../sessions/run-lock.js';
import { appendLines, FILES, readCheckpoint, readSessionFile, truncateMetrics, updateSession, writeCheckpoint } from '../sessions/store.js';
import { runExperiment } from '../experiments/index.js';
import { fileBytes, loadedFile, readFileDataset } from './data-files.js';
import { exampleLoader } from './example-data.js';
import { LARGE_FILE_BYTES, LoadNotices } from './load-notices.js';
import { parentPort } from './port.js';
import { backendForRun } from './backend-choice.js';
import { BackgroundScorer, validatesOnHelper } from './background-scorer.js';
import { DataParallel } from './data-parallel.js';
import { SplitCheck } from './split-check.js';
import { resolveParallel } from './parallel-plan.js';
import { checkSameData } from './run-checks.js';
import { prepareRunData, type PreparedData } from './run-data.js';
import { runTraining, totalSteps, type RunControl } from './training-loop.js';
import { evaluateSession } from './evaluate-session.js';
import { enableRelaxedSimd } from './wasm-features.js';
import { useHeadlessNvidiaVulkan } from './vulkan-env.js';

enableRelaxedSimd();
useHeadlessNvidiaVulkan(); // before any webgpu instance: a GPU without a display

const port = parentPort();
const send = (e: WorkerEvent) => port.send(e);

let paused = false;
let stopRequested = false;
let wake: (() => void) | null = null;
let sessionDir: string | null = null;
/** where the run stands, for status messages sent outside the loop */
const progress = { step: 0, totalSteps: 0 };

const control: RunControl = {
  async gate(flush) {
    // yield to the event loop so pause/stop messages get in between steps
    await new Promise((r) => setImmediate(r));
    if (paused) flush(); // nothing measured stays in memory while the run waits
    while (paused && !stopRequested) await new Promise<void>((r) => (wake = r));
    return stopRequested ? 'stop' : 'go';
  },
};

async function train(dir: string, resume: boolean, cores?: number): Promise<RunStatus> {
  sessionDir = dir;
  const session = readSessionFile(dir);
  const config = session.config;
  const backend = await initBackend(config.backend ? { only: config.backend } : {});
  send({ type: 'ready', backend });
  const large = config.data.type === 'file' && fileBytes(config.data.path) >= LARGE_FILE_BYTES;
  const notices = new LoadNotices((message) => send({ type: 'status', status: 'queued', step: 0, totalSteps: 0, message }), large ? 0 : undefined);
  const data = await prepareRunData(config, async (path, overrides, validation) => {
    const name = basename(path);
    notices.note(`reading ${name}`, true);
    const a = await readFileDataset(path, overrides, (f) => notices.note(f < 1 ? `reading ${name}: ${Math.floor(100 * f)} %` : `parsing ${name}`, f === 1), validation);
    notices.note(`preparing ${a.summary.rows.toLocaleString('en-US')} rows of ${name}`, true);
    return loadedFile(a);
  });
  if (resume) checkSameData(session, data, 'resuming');
  notices.done(`data ready in ${notices.seconds.toFixed(1)} s: ${data.train.length.toLocaleString('en-US')} training and ${data.val.length.toLocaleString('en-US')} validation examples`);
  // said whatever the time taken: it qualifies every validation number the run will report
  const overlap = data.info.validationOverlap;
  if (overlap && config.data.type === 'file' && config.data.validationPath) send({ type: 'status', status: 'queued', step: 0, totalSteps: 0, message: `${basename(config.data.validationPath)}: ${overlapText(overlap)}` });
  // a GPU backend and a CPU one both load: time this model on each and keep the faster
  const chosen = await backendForRun(config, data, backend);
  if (chosen !== backend) send({ type: 'ready', backend: chosen });
  const checkpoint = resume ? readCheckpoint(dir) : null;
  if (resume && !checkpoint) throw new Error('this session has no checkpoint to resume from');
  // metrics past the checkpoint will be measured again: drop them so no step appears twice
  if (checkpoint) truncateMetrics(dir, checkpoint.step);
  const typical = totalLength(data.train) / Math.max(1, data.train.length);
  const { plan, parallel } = await startParallel(config, data, chosen.backend, typical, cores);
  send({ type: 'parallel', plan });
  const total = totalSteps(config, data.train.length, plan.mode === 'full' ? plan.threads : 1);
  updateSession(dir, {
    parallel: plan,
    status: 'running',
    error: null,
    model: data.model,
    dataset: data.info,
    backend: chosen,
    params: modelParams(data.model),
    progress: { step: checkpoint?.step ?? 0, epoch: checkpoint?.epoch ?? 0, totalSteps: total },
  });
  const scorer = startScorer(config, data, chosen.backend, plan, typical, cores);
  return runTraining(
    config,
    data,
    {
      metrics(records) {
        appendLines(dir, FILES.metrics, records);
        send({ type: 'metrics', records });
      },
      parallel(changed) {
        send({ type: 'parallel', plan: changed });
        updateSession(dir, { parallel: changed });
      },
      status(status, step, totalSteps, message) {
        Object.assign(progress, { step, totalSteps });
        send({ type: 'status', status, step, totalSteps, message });
      },
      checkpoint(c) {
        writeCheckpoint(dir, c);
        updateSession(dir, { progress: { step: c.step, epoch: c.epoch, totalSteps: total } });
      },
      evaluation(curve) {
        appendLines(dir, FILES.eval, [curve]);
        send({ type: 'eval', curve });
      },
    },
    control,
    checkpoint ?? undefined,
    parallel,
    scorer,
  ).finally(() => Promise.all([parallel?.dispose(), scorer?.dispose()]));
}

/**
 * Validation on a spare core where it pays (validatesOnHelper); it starts while training does.
 * @param typical the training items' mean length
 */
function startScorer(config: RunConfig, data: PreparedData, backend: BackendName, plan: ParallelPlan, typical: number, cores?: number): BackgroundScorer | null {
  const t = config.train;
  const helps = validatesOnHelper({
    threads: plan.threads,
    cores: cores ?? availableParallelism(),
    backend,
    valTokens: totalLength(data.val),
    // a 'full' step trains a batch on every thread
    trainTokensPerCheck: t.validateEvery * t.batch * (plan.mode === 'full' ? plan.threads : 1) * typical,
  });
  return helps ? BackgroundScorer.start(data.model, backend) : null;
}

/** The run's threads (see resolveParallel); if helpers cannot start, one thread, saying why. */
async function startParallel(config: RunConfig, data: PreparedData, backend: BackendName, typical: number, cores?: number): Promise<{ plan: ParallelPlan; parallel: DataParallel | null }> {
  const plan = resolveParallel(config.train.parallel, data.model, config.train.batch, typical, backend, cores);
  if (plan.mode === 'off') return { plan, parallel: null };
  try {
    const parallel = await DataParallel.start(data.model, backend, plan.mode, plan.threads);
    // auto's thresholds were measured elsewhere: the run times split against one thread here
    if (config.train.parallel === 'auto' && plan.mode === 'split') parallel.check = new SplitCheck();
    return { plan, parallel };
  } catch (e) {
    return { plan: { mode: 'off', threads: 1, reason: `one thread: ${(e as Error).message}` }, parallel: null };
  }
}

/** One job in its own process (an experiment, an evaluation): the UI stays responsive, a crash costs only the job. */
async function oneJob(work: () => Promise<WorkerEvent>): Promise<void> {
  try {
    send(await work());
    setTimeout(() => process.exit(0), 50);
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    setTimeout(() => process.exit(1), 50);
  }
}

port.onMessage((raw) => {
  const parsed = WorkerCommandSchema.safeParse(raw);
  if (!parsed.success) {
    send({ type: 'error', message: `worker: unknown command ${JSON.stringify(raw).slice(0, 100)}` });
    return;
  }
  const cmd = parsed.data;
  switch (cmd.type) {
    case 'start':
      if (sessionDir) return send({ type: 'error', message: 'worker: already training' });
      try {
        // released as the process ends; one a killed process leaves is taken over by the next
        process.once('exit', lockRun(cmd.sessionDir));
      } catch (err) {
        // another process trains this session: its session.json is that run's, not for this one to mark
        send({ type: 'error', message: (err as Error).message });
        setTimeout(() => process.exit(1), 50);
        return;
      }
      train(cmd.sessionDir, cmd.resume, cmd.cores)
        .then((status) => {
          updateSession(cmd.sessionDir, { status, error: null });
          process.exit(0);
        })
        .catch((err: unknown) => {
          const message = err instanceof Error ? err.message : String(err);
          try {
            updateSession(cmd.sessionDir, { status: 'failed', error: message });
          } catch {
            /* the session itself is unreadable: the host reports it */
          }
          send({ type: 'error', message });
          send({ type: 'status', status: 'failed', ...progress, message });
          // let the messages leave before the process ends
          setTimeout(() => process.exit(1), 50);
        });
      return;
    case 'pause':
      paused = true;
      if (sessionDir) updateSession(sessionDir, { status: 'paused' });
      send({ type: 'status', status: 'paused', ...progress });
      return;
    case 'resume':
      paused = false;
      if (sessionDir) updateSession(sessionDir, { status: 'running' });
      wake?.();
      return;
    case 'stop':
      stopRequested = true;
      wake?.();
      return;
    case 'experiment':
      void oneJob(async () => {
        await initBackend();
        return { type: 'experiment', result: await runExperiment(cmd.name, { full: cmd.full, seed: 0, loadDataset: exampleLoader(cmd.dataDir) }) };
      });
      return;
    case 'evaluate':
      void oneJob(async () => ({ type: 'eval', curve: await evaluateSession(cmd.sessionDir, cmd.lengths) }));
      return;
  }
});
