/**
 * What a run's data must satisfy beyond being readable, checked before any training or
 * evaluation: sequences the model has weights for, a step that fits in memory, and files that
 * are still the ones a session trained on. Each failure is a DataError saying what to change.
 */
import { basename } from 'node:path';
import type { ModelConfig, RunConfig, SessionFile } from '../contract.js';
import { DataError } from '../data/errors.js';
import { maxLength } from '../data/batches.js';
import type { PreparedData } from './run-data.js';
import { bytesPerRowStep, gibibytes, STEP_BUDGET_BYTES, trainStepBytes } from './step-memory.js';

/** Longest length a model config has weights for (unshared core, learned position table), else ∞. */
export function weightLimit(c: ModelConfig): number {
  let limit = Infinity;
  if (c.kind === 'unshared' && c.beyondMax === 'refuse') limit = c.maxLen;
  if (c.position.type === 'learned') limit = Math.min(limit, c.position.maxLen);
  return limit;
}

/** The run's data as its messages name it: a task, or its file's name. */
function sourceName(config: RunConfig): string {
  return config.data.type === 'task' ? `task "${config.data.task}"` : basename(config.data.path);
}

/** Sequences longer than the model has weights for: else the first batch that held one failed the run, steps or epochs in. */
export function checkFitsModel(config: RunConfig, data: PreparedData): void {
  const longest = Math.max(data.trainedMax, maxLength(data.val));
  const limit = weightLimit(data.model);
  if (longest <= limit) return;
  const m = data.model;
  const table = m.kind === 'unshared' && m.maxLen === limit ? `the unshared model has weights for positions 1–${limit} (max length ${limit})` : `the learned position table covers positions 1–${limit}`;
  const unit = config.data.type === 'file' && data.info.vocab ? 'tokens' : 'steps';
  throw new DataError('too-long', sourceName(config), `its longest sequence has ${longest.toLocaleString('en-US')} ${unit}, but ${table}; raise the max length to at least ${longest.toLocaleString('en-US')}, or train a shared model`);
}

/** A training step over the memory budget (step-memory.ts): it aborted the worker process with no word of why. */
export function checkFitsMemory(config: RunConfig, data: PreparedData): void {
  const batch = config.train.batch;
  const m = data.model;
  const need = trainStepBytes(m, data.trainedMax, batch);
  if (need.total <= STEP_BUDGET_BYTES) return;
  const most = `at most ${gibibytes(STEP_BUDGET_BYTES)} is supported`;
  const why =
    need.weights > need.states
      ? `${gibibytes(need.weights)} of it for the weights of ${m.kind === 'unshared' ? `${m.maxLen.toLocaleString('en-US')} positions` : 'the model'}, with their gradients and Adam's moments); ${most}: use a smaller ${m.kind === 'unshared' ? 'max length or ' : ''}hidden size`
      : `every step's state is kept for the backward pass); ${most}: use shorter sequences, a smaller batch or a smaller hidden size`;
  throw new DataError('too-large', sourceName(config), `a training step on its longest sequence (${data.trainedMax.toLocaleString('en-US')} steps) in batches of ${batch} with hidden size ${m.hidden} needs about ${gibibytes(need.total)} (${why}`);
}

/**
 * Lengths a task's curve could not be evaluated at: one generated sequence must fit in a step's
 * memory (a file's curve buckets its own sequences, which training already fitted). At 1,000,000
 * steps a GRU's one sequence needed 3.7 GiB, and the worker died of it at the end of its run.
 */
export function checkEvalLengths(config: RunConfig, data: PreparedData): void {
  if (config.data.type !== 'task') return;
  const m = data.model;
  const perStep = bytesPerRowStep(m);
  const fits = Math.floor(STEP_BUDGET_BYTES / perStep);
  // (lengths past the model's weights are a "no weights" point, which costs nothing)
  const tooLong = config.evalLengths.find((L) => L > fits && L <= weightLimit(m));
  if (tooLong === undefined) return;
  throw new DataError('too-large', sourceName(config), `evaluating at length ${tooLong.toLocaleString('en-US')} would need about ${gibibytes(tooLong * perStep)} for one sequence (a ${m.cell} of ${m.hidden} units keeps about ${(perStep / 1024).toFixed(1)} KiB a step); at most ${gibibytes(STEP_BUDGET_BYTES)} is supported, so lengths up to ${fits.toLocaleString('en-US')}`);
}

/**
 * Refuses a session's data file that changed since the session trained on it: the split, and a
 * text file's vocabulary, follow from its contents, so evaluating or resuming on it would score
 * the model on examples it trained on (or feed it other token numbers). Its --val file likewise.
 */
export function checkSameData(session: SessionFile, data: PreparedData, doing: 'evaluating' | 'resuming'): void {
  const [was, now] = [session.dataset, data.info];
  const differ = (a?: string | null, b?: string | null): boolean => Boolean(a && b && a !== b);
  const hashes = (a?: string | null, b?: string | null) => `sha256 ${a?.slice(0, 12)}… then, ${b?.slice(0, 12)}… now`;
  const again = 'Restore the file, or train a new session on it';
  if (differ(was?.sha256, now.sha256)) {
    throw new DataError('changed', basename(now.source), `the file changed since this session trained on it (${hashes(was?.sha256, now.sha256)}): its validation split and vocabulary would not be the run's, so ${doing} would mix held-out and training examples. ${again}`);
  }
  const val = session.config.data.type === 'file' ? session.config.data.validationPath : undefined;
  if (val && differ(was?.validationSha256, now.validationSha256)) {
    throw new DataError('changed', basename(val), `the validation file changed since this session was validated on it (${hashes(was?.validationSha256, now.validationSha256)}): ${doing} would not measure what the run measured. ${again}`);
  }
}
