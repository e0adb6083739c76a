/**
 * Whether a run trains on more than one thread, and why (runs/data-parallel.ts does the
 * training). 'auto' follows measurements on 2 cores: a split step pays when the step is big
 * and its parameters, which travel to the helpers every step, are few next to its work.
 */
import { availableParallelism } from 'node:os';
import type { BackendName, ModelConfig, ParallelMode, ParallelPlan } from '../contract.js';
import { modelParams } from '../engine/params.js';

/**
 * Multiply-adds of one training step's recurrence, roughly: what decides whether splitting a
 * batch across threads pays for the copying and waiting (see AUTO_SPLIT_MIN_WORK).
 */
export function stepWork(model: ModelConfig, batch: number, length: number): number {
  const gates = { tanh: 1, gru: 3, lstm: 4 }[model.cell];
  const width = model.input.type === 'embedding' ? model.input.embed : model.input.size;
  return batch * length * gates * model.hidden * (model.hidden + width);
}

/**
 * Below this much work per step (multiply-adds, stepWork) a split step is not faster than one
 * thread. Measured with the SIMD kernels (2 cores, wasm, batch 32–64, steps/s one thread →
 * split): GRU 2.9e7: 113 → 111; tanh 3.3e7 (bench A): 129 → 132; LSTM 7.9e7: 59 → 77; tanh
 * 6.9e7: 74 → 95; GRU 9.8e7: 43 → 57; tanh 1.2e8: 45 → 65; bench B (3.1e8): 18.2 → 27.5. (Before
 * them a one-thread step was ≈ 1.6× slower and the break-even lay near 6e6.) Once the classifier
 * stopped transposing its states and the split's main-thread overhead shrank with them, each
 * step converting its batch as training does: tanh 3.3e7 1.04–1.23× in three runs; 2.0e7
 * 0.81–1.44×; 1.6e7 0.80–0.89×; 9.8e6 0.90–0.98×. So auto splits from 3e7, and the run's own
 * check (split-check.ts) settles the grey zone on the user's machine.
 */
export const AUTO_SPLIT_MIN_WORK = 3e7;

/**
 * With more cores, auto gives each thread at least this share of the work (the 2-thread
 * break-even measured before the last drop, per thread), so a mid-size step is not cut into
 * slivers on a many-core lab machine: 8 threads on a batch of 32 would leave each 4 rows, and
 * the per-step latency of the recurrent loop does not shrink with the rows. Checked on a
 * 16-core Xeon (steps/s, one run each unless a range): bench A (3.3e7, auto: 2 threads) split
 * over 2 threads 230–240, 4: 209, 8: 261–268, no clear gain past 2; bench B (3.1e8, auto: 8)
 * 2 threads 33.0, 8: 51.0.
 */
export const AUTO_SPLIT_MIN_WORK_PER_THREAD = 2e7;

/**
 * A split step sends every weight to the helpers and every gradient back: it pays only when
 * the work dwarfs the parameters. Measured: SST-2 GRU (embedding table 450k floats, 1.1e7
 * multiply-adds, ratio ≈ 22) one epoch 24.4 s unsplit vs 28.5 s split; unshared A (ratio ≈ 32)
 * 40.5 → 27.7 steps/s; bench A (ratio ≈ 1,500) and B (≈ 3,200) gain.
 */
export const AUTO_SPLIT_WORK_PER_PARAM = 200;

/** The mode a run actually trains with, how many threads, and why. */
export function resolveParallel(mode: ParallelMode, model: ModelConfig, batch: number, typicalLength: number, backend: BackendName, cores?: number): ParallelPlan {
  const threads = Math.max(1, Math.min(cores ?? availableParallelism(), 8));
  const off = (reason: string): ParallelPlan => ({ mode: 'off', threads: 1, reason });
  if (mode === 'off') return off('one thread (parallel training is off)');
  if (backend === 'tensorflow' || backend === 'tensorflow-gpu') return off(`one thread: the ${backend} backend already uses every core${backend === 'tensorflow-gpu' ? ' and the GPU' : ''}`);
  // the helper threads run wasm, and weights cross to them each step: a GPU's step stays on the GPU
  if (backend === 'webgpu') return off('one thread: the steps run on the GPU (webgpu)');
  if (threads < 2) return off('one thread: one core is free for this run');
  if (mode === 'full') return { mode, threads, reason: `${threads} threads, each on a whole batch (a step covers ${threads} × ${batch} examples)` };
  if (batch < 2 * threads) return off(`one thread: a batch of ${batch} is too small to split over ${threads} threads`);
  const split: ParallelPlan = { mode: 'split', threads, reason: `${threads} threads, each step's batch split across them` };
  if (mode === 'split') {
    // as asked, but say so where auto would not have split: the user may not know it is slower
    const auto = resolveParallel('auto', model, batch, typicalLength, backend, cores);
    return auto.mode === 'off' ? { ...split, reason: `${split.reason}, as asked (auto would not split: ${auto.reason.replace(/^one thread: /, '')})` } : split;
  }
  // every step sends the weights to each helper: T sets of them for the unshared model, which
  // measured slower split (bench A 40.5 → 27.7 steps/s when first measured; 141 → 87 with
  // the SIMD kernels, the shards' sums in wasm and Adam in place); the conv model was not measured
  if (model.kind === 'unshared') return off('one thread: the unshared model trains slower split (its T weight sets travel every step)');
  if (model.kind !== 'shared') return off(`one thread: auto splits only the shared RNN (not measured for the ${model.kind} model)`);
  const work = stepWork(model, batch, typicalLength);
  if (work < AUTO_SPLIT_MIN_WORK) return off(`one thread: steps this small (${work.toExponential(1)} multiply-adds) run faster unsplit`);
  const params = modelParams(model);
  if (work < AUTO_SPLIT_WORK_PER_PARAM * params) return off(`one thread: ${params.toLocaleString('en-US')} parameters to send to the helper every step outweigh ${work.toExponential(1)} multiply-adds`);
  // as many threads as the work (and the weights each helper receives) pays for; two, the checks
  // above have shown, always pay
  const worthIt = Math.max(2, Math.min(Math.floor(work / AUTO_SPLIT_MIN_WORK_PER_THREAD), Math.floor((2 * work) / (AUTO_SPLIT_WORK_PER_PARAM * params))));
  if (worthIt >= threads) return split;
  return { mode: 'split', threads: worthIt, reason: `${worthIt} of ${threads} threads, each step's batch split across them (${work.toExponential(1)} multiply-adds a step pay for no more)` };
}
