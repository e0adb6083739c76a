/**
 * The training loop of one run, free of fs and processes: epochs of length-bucketed batches,
 * validation, early stopping, NaN detection, per-timestep probes, and metrics handed to a
 * sink in batches (≤ 10 a second). The worker gives it a sink that writes the session.
 */
import * as tf from '@tensorflow/tfjs';
import type { LengthCurve, MetricRecord, PackedBatch, ParallelPlan, RunConfig, RunStatus } from '../contract.js';
import { bucketBatches, toPlainBatch, type PlainBatch } from '../data/batches.js';
import { disposeBatch, tensorBatch } from '../engine/batch.js';
import type { LossMode, TensorBatch } from '../engine/models/sequence-model.js';
import { SequenceModel } from '../engine/models/sequence-model.js';
import { timestepGradReads } from '../engine/probes.js';
import { readLater, readScalar } from '../engine/reads.js';
import { forgetWebgpuFailure, webgpuFailure } from '../engine/webgpu.js';
import { createRng } from '../engine/random.js';
import { createOptimizer, stepReads, type StepOptions, type StepResult } from '../engine/train.js';
import { ownedValueReads, ownedValues } from '../engine/in-process.js';
import type { BackgroundScorer } from './background-scorer.js';
import { dealSet, evalSet, fromSums, lengthCurveReads, scoreReads, scoreSet, scoreSums, type ScoreSums } from './evaluate.js';
import type { PreparedData } from './run-data.js';
import { splitCheckReason, type SplitCheck } from './split-check.js';

export interface Checkpoint {
  step: number;
  epoch: number;
  /** batches of `epoch` already done */
  batchInEpoch: number;
  weights: Record<string, { shape: number[]; values: Float32Array }>;
  optimizer: { name: string; shape: number[]; values: Float32Array }[];
  bestValLoss: number | null;
  sinceBest: number;
}

export interface RunSink {
  metrics(records: MetricRecord[]): void;
  /** the run's threads changed (auto's check on this machine, split-check.ts) */
  parallel?(plan: ParallelPlan): void;
  status(status: RunStatus, step: number, totalSteps: number, message?: string): void;
  checkpoint(c: Checkpoint): Promise<void> | void;
  evaluation(curve: LengthCurve): void;
}

export interface RunControl {
  /**
   * Resolves when training may go on; 'stop' ends the run after a checkpoint. `flush` writes
   * the metrics still batched in memory: a paused run calls it before it waits.
   */
  gate(flush: () => void): Promise<'go' | 'stop'>;
}

/**
 * Steps over more than one thread (runs/data-parallel.ts): split hands it one batch cut into
 * shards, full hands it one whole batch per thread (a step then covers `threads` batches).
 */
export interface ParallelSteps {
  readonly mode: 'split' | 'full';
  readonly threads: number;
  step(model: SequenceModel, optimizer: tf.Optimizer, shards: PlainBatch[], opts: StepOptions): Promise<StepResult>;
  splitBatch(batch: PlainBatch): PlainBatch[];
  /** auto's timing of split against one thread, for a run that auto split (split mode only) */
  check?: SplitCheck;
  /** validation across the threads: each helper keeps its share of the set and scores it on request */
  keepScoreSet?(shares: PackedBatch[][]): void;
  scoreShares?(weights: Float32Array<ArrayBuffer>[], mode: LossMode): Promise<ScoreSums[]>;
  dispose?(): Promise<void>;
}

export class TrainingFailure extends Error {}

const FLUSH_MS = 100;
const CHECKPOINT_EVERY_MS = 5_000;

/** @param batchesPerStep more than 1 when every thread takes a whole batch ('full') */
export function totalSteps(config: RunConfig, trainCount: number, batchesPerStep = 1): number {
  const perEpoch = Math.ceil(Math.ceil(trainCount / config.train.batch) / batchesPerStep);
  return Math.min(perEpoch * config.train.epochs, config.train.maxSteps ?? Infinity);
}

async function snapshot(model: SequenceModel, optimizer: tf.Optimizer, step: number, epoch: number, batchInEpoch: number, best: number | null, sinceBest: number): Promise<Checkpoint> {
  const opt = await optimizer.getWeights();
  // copies this code owns: an early-stopping snapshot is kept while training goes on
  const values = await readLater(ownedValueReads(opt.map((w) => w.tensor)));
  // tfjs optimizers hand out a new 'iter' scalar beside their own variables at every call
  tf.dispose(opt.map((w) => w.tensor).filter((t) => !(t instanceof tf.Variable)));
  const optimizerState = opt.map((w, i) => ({ name: w.name, shape: w.tensor.shape.slice(), values: values[i] }));
  return { step, epoch, batchInEpoch, weights: await readLater(model.weightReads()), optimizer: optimizerState, bestValLoss: best, sinceBest };
}

/**
 * @param threads data-parallel steps over helper threads, or null for one thread
 * @param scorer validation on a spare core (background-scorer.ts), or null to validate here.
 *   With early stopping, training goes on past a validation while the helper scores it, from a
 *   snapshot of that step (weights and optimizer state); a validation that says stop ends the
 *   run at its own step from the snapshot, the steps after it dropped: the same records, model
 *   and checkpoint as validating here, whatever the timing.
 */
export async function runTraining(config: RunConfig, data: PreparedData, sink: RunSink, control: RunControl, resume?: Checkpoint, threads: ParallelSteps | null = null, scorer: BackgroundScorer | null = null): Promise<RunStatus> {
  const t = config.train;
  // null once auto's check (split-check.ts) finds one thread faster here
  let parallel = threads;
  const check = parallel?.mode === 'split' ? (parallel.check ?? null) : null;
  forgetWebgpuFailure();
  const model = new SequenceModel(data.model);
  const optimizer = createOptimizer({ name: t.optimizer, lr: t.lr, momentum: t.momentum });
  const group = parallel?.mode === 'full' ? parallel.threads : 1;
  const total = totalSteps(config, data.train.length, group);
  let step = resume?.step ?? 0;
  let best = resume?.bestValLoss ?? null;
  // a run that early stopping ended, trained further (sessions/extend.ts), counts its patience afresh
  let sinceBest = resume && (t.earlyStopping === null || resume.sinceBest < t.earlyStopping) ? resume.sinceBest : 0;
  const started = Date.now();
  let pending: MetricRecord[] = [];
  let lastFlush = Date.now();
  let lastCheckpoint = Date.now();
  let rateWindow = { time: Date.now(), step };
  const valSet = evalSet(data.val, data.model);
  let background = scorer;
  background?.keepScoreSet(valSet);
  /** Early stopping's bookkeeping for one validation loss, in step order: true to stop there. */
  const judge = (valLoss: number): boolean => {
    if (t.earlyStopping === null) return false;
    if (best === null || valLoss < best - 1e-6) {
      best = valLoss;
      sinceBest = 0;
      return false;
    }
    return ++sinceBest >= t.earlyStopping;
  };
  /** a validation on the helper that said stop: its record, and the snapshot of its step */
  let stopAt: { record: MetricRecord; at: Checkpoint } | null = null;
  // a validation scoring on the helper: its step's record, and the records after it, wait in
  // `pending` until its loss and metric are filed (the metrics stay in step order)
  let held: MetricRecord | null = null;
  let inflight: Promise<void> | null = null;
  const flush = () => {
    // nothing past a validation still out, nor past one that stopped the run
    const upto = held ? pending.indexOf(held) : stopAt ? pending.indexOf(stopAt.record) + 1 : pending.length;
    if (upto > 0) sink.metrics(pending.slice(0, upto));
    pending = pending.slice(upto);
    lastFlush = Date.now();
  };
  /** The helper is gone (it failed, or never started): validation runs here from now on, and the user is told. */
  const helperFailed = (e: Error) => {
    if (!background) return; // said already
    background = null;
    sink.status('running', step, total, `validation back on the training thread: ${e.message}`);
  };
  /**
   * Scores the weights as they are now on the helper, filed into `record` when done. `at`: this
   * step's snapshot, with early stopping (the run ends from it if this validation says stop).
   */
  const validateInBackground = (record: MetricRecord, on: BackgroundScorer, at: Checkpoint | null) => {
    // our own copy: the helper gets one, and a failed helper's validation runs here from this one
    const weights = at?.weights ?? model.getWeights();
    held = record;
    inflight = on
      .score([...model.vars.keys()].map((name) => weights[name].values), t.loss)
      .catch((e: Error) => {
        // the helper failed: this validation and the later ones run here, with the same weights
        helperFailed(e);
        const replica = new SequenceModel(data.model);
        try {
          replica.setWeights(weights);
          return scoreSet(replica, valSet, t.loss);
        } finally {
          replica.dispose();
        }
      })
      .then((s) => {
        record.valLoss = s?.loss ?? null;
        record.valMetric = s?.metric ?? null;
        if (at && s && judge(s.loss)) stopAt = { record, at };
      })
      .finally(() => {
        held = null;
        inflight = null;
        flush();
      });
    inflight.catch(() => {}); // awaited by settle(); never an unhandled rejection meanwhile
  };
  // a data-parallel run scores its validation set across its threads, this thread's share here
  // (where no spare core validates it in the background)
  const valShare = ((p) => {
    if (!p?.keepScoreSet || background || valSet.length < 2) return null;
    const shares = dealSet(valSet, p.threads);
    p.keepScoreSet(shares.slice(1));
    return shares[0];
  })(parallel);
  /** The validation set's score at the current weights, on this thread and the run's helpers. */
  const validateHere = async () => {
    if (!parallel?.scoreShares || !valShare) return readLater(scoreReads(model, valSet, t.loss));
    const theirs = parallel.scoreShares([...model.vars.values()].map((v) => ownedValues(v)), t.loss);
    theirs.catch(() => {}); // awaited below, after this thread's share
    const mine = scoreSums(model, valShare, t.loss);
    return fromSums([mine, ...(await theirs)]);
  };
  /** Waits for the validation in flight, if any (before the next one, a checkpoint, the end). */
  const settle = async (quietly = false) => {
    if (inflight) await (quietly ? inflight.catch(() => {}) : inflight);
  };
  const save = async (epoch: number, batchInEpoch: number) => {
    await settle();
    if (stopAt) return; // the run ends at the step that said stop (endEarly), not here
    flush();
    await sink.checkpoint(await snapshot(model, optimizer, step, epoch, batchInEpoch, best, sinceBest));
    lastCheckpoint = Date.now();
  };
  /** Early stopping: the run ends with this step's model, and the checkpoint that eval and export read is this step's. */
  const stopHere = async (at: Checkpoint) => {
    flush();
    await sink.checkpoint({ ...at, bestValLoss: best, sinceBest });
    lastCheckpoint = Date.now();
    sink.status('running', at.step, total, `early stopping: validation loss has not improved for ${sinceBest} validations`);
  };
  /** A validation on the helper said stop: back to its step (the steps trained since are dropped), and end there. */
  const endEarly = async () => {
    const { record, at } = stopAt!;
    pending = pending.slice(0, pending.indexOf(record) + 1);
    model.setWeights(at.weights);
    step = at.step;
    await stopHere(at);
  };

  try {
    if (resume) {
      model.setWeights(resume.weights);
      if (resume.optimizer.length) {
        await optimizer.setWeights(resume.optimizer.map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape) })));
      }
    }
    if (background?.failure) helperFailed(background.failure);
    sink.status('running', step, total, background ? 'validation runs on a second thread while training goes on' : undefined);
    // a checkpoint before the first step: a run killed early can still be resumed
    if (!resume) await save(0, 0);
    let stopped = false;
    let userStopped = false;
    for (let epoch = resume?.epoch ?? 0; epoch < t.epochs && step < total && !stopped; epoch++) {
      // the batch order of an epoch depends only on (seed, epoch): a resumed run sees the same batches
      const batches = bucketBatches(data.train, t.batch, createRng(config.seed * 7919 + epoch + 1));
      let b = resume && epoch === resume.epoch ? resume.batchInEpoch : 0;
      for (; b < batches.length && step < total; b += group) {
        const go = await control.gate(flush);
        if (stopAt) {
          await endEarly();
          stopped = true;
          break;
        }
        if (go === 'stop') {
          await save(epoch, b);
          // the validation it waited for may have said stop: then the run ended there, before this stop
          if (stopAt) await endEarly();
          else userStopped = true;
          stopped = true;
          break;
        }
        const plain = batches.slice(b, b + group).map(toPlainBatch);
        // tensors of the (first) batch, made only where this thread needs them
        let tensors: TensorBatch | null = null;
        const batch = () => (tensors ??= tensorBatch(plain[0]));
        try {
          const opts = { loss: t.loss, clip: t.clip ?? undefined };
          const way = parallel && check && !check.decision() ? check.next(performance.now()) : null;
          const began = performance.now();
          const r = parallel && way !== 'one' ? await parallel.step(model, optimizer, parallel.mode === 'full' ? plain : parallel.splitBatch(plain[0]), opts) : await readLater(stepReads(model, optimizer, batch(), opts));
          if (parallel && check && way) {
            const decided = check.record(way, performance.now() - began, performance.now());
            if (decided) {
              const plan: ParallelPlan = decided.keepSplit ? { mode: 'split', threads: parallel.threads, reason: splitCheckReason(decided, parallel.threads) } : { mode: 'off', threads: 1, reason: splitCheckReason(decided, parallel.threads) };
              sink.parallel?.(plan);
              if (!decided.keepSplit) {
                await parallel.dispose?.();
                parallel = null;
              }
            }
          }
          step++;
          // a GPU error only logs, and what follows it is garbage: the run stops at the step it showed in
          const gpuError = tf.getBackend() === 'webgpu' ? webgpuFailure() : null;
          if (gpuError) throw new TrainingFailure(`the GPU reported an error by step ${step}: ${gpuError}; the values around this step cannot be trusted (resume from an earlier checkpoint on another backend, or make the model smaller)`);
          if (!Number.isFinite(r.loss) || !Number.isFinite(r.gradNorm)) {
            const what = Number.isNaN(r.loss) || Number.isNaN(r.gradNorm) ? 'NaN' : 'infinite';
            const advice = t.clip === null ? `try a lower learning rate (now ${t.lr}) or gradient clipping (e.g. clip 1)` : `try a lower learning rate (now ${t.lr}) or a smaller clip (now ${t.clip})`;
            throw new TrainingFailure(`the loss became ${what} at step ${step}; ${advice}`);
          }
          const probe = step % t.timestepGradEvery === 0 || step === 1;
          const validate = step % t.validateEvery === 0 || b + group >= batches.length || step === total;
          if (validate && background?.failure) helperFailed(background.failure);
          const elsewhere = validate && background?.ready ? background : null;
          // one validation in flight at a time, each judged in step order (early stopping)
          if (validate) await settle();
          if (stopAt) {
            // the one in flight said stop: this step and the ones before it since are dropped
            await endEarly();
            stopped = true;
            break;
          }
          const val = validate && !elsewhere ? await validateHere() : null;
          // (batch() outside the tidy: tensors it makes must outlive it)
          const acc = validate && data.metricName === 'accuracy' ? await ((b) => readScalar(tf.tidy(() => model.metric(b))))(batch()) : null;
          const now = Date.now();
          const rate = now > rateWindow.time ? ((step - rateWindow.step) * 1000) / (now - rateWindow.time) : 0;
          if (now - rateWindow.time > 2000) rateWindow = { time: now, step };
          const record: MetricRecord = {
            step,
            epoch,
            time: now - started,
            loss: r.loss,
            acc,
            valLoss: val?.loss ?? null,
            valMetric: val?.metric ?? null,
            gradNorm: r.gradNorm,
            gradNormClipped: r.gradNormClipped,
            gradNorms: r.gradNorms,
            timestepGrad: probe ? await readLater(timestepGradReads(model, batch(), t.loss)) : null,
            lr: t.lr,
            stepsPerSec: rate,
            examplesPerSec: rate * t.batch * group,
          };
          pending.push(record);
          if (elsewhere) validateInBackground(record, elsewhere, t.earlyStopping === null ? null : await snapshot(model, optimizer, step, epoch, b + group, best, sinceBest));
          if (val && judge(val.loss)) {
            await settle();
            await stopHere(await snapshot(model, optimizer, step, epoch, b + group, best, sinceBest));
            stopped = true;
            break;
          }
        } finally {
          if (tensors) disposeBatch(tensors);
        }
        if (Date.now() - lastFlush >= FLUSH_MS) {
          flush();
          sink.status('running', step, total);
        }
        if (Date.now() - lastCheckpoint >= CHECKPOINT_EVERY_MS) await save(epoch, b + group);
      }
      // a run that reached its max steps mid-epoch is checkpointed there: trained further, it goes on with that epoch's batches
      if (!stopped) await (b < batches.length ? save(epoch, b) : save(epoch + 1, 0));
      if (stopAt && !stopped) {
        await endEarly();
        stopped = true;
      }
    }
    await settle();
    if (stopAt && !stopped) await endEarly();
    flush();
    sink.evaluation(await readLater(lengthCurveReads(model, config.evalLengths, data.evalAt, { step, trainedMax: data.trainedMax, metricName: data.metricName, buckets: data.evalBuckets })));
    const status: RunStatus = userStopped ? 'stopped' : 'completed';
    sink.status(status, step, total);
    return status;
  } finally {
    // a failed run still files the validation in flight and the records after it
    await settle(true);
    flush();
    optimizer.dispose();
    model.dispose();
  }
}
