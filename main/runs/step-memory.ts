/**
 * What a batch costs in memory, estimated before it runs. A recurrence keeps every step's state
 * (and a gated cell its gates) for the backward pass, so a batch's memory grows with its longest
 * sequence × its rows × the hidden size. Past tfjs-wasm's 4 GiB, or the JS heap, the worker
 * process aborted (SIGABRT) with no word of why; now a run is refused before it starts, and an
 * evaluation at long lengths takes fewer sequences a batch.
 */
import type { ModelConfig } from '../contract.js';
import { coreInputWidth, modelParams } from '../engine/params.js';

/**
 * Bytes a training step keeps per time step, row and hidden unit, by cell: measured on wasm with
 * the fast kernels at T 2,000 × B 32 × d 64 (tanh 15.4, GRU 56.4, LSTM 73.0), rounded up.
 */
const KEPT_BYTES = { tanh: 16, gru: 60, lstm: 76 } as const;

/** The most one training step may need: half of tfjs-wasm's 4 GiB, the rest for evaluation, weights and fragments. */
export const STEP_BUDGET_BYTES = 2 * 2 ** 30;

/** Bytes per time step of one sequence (its states, and its input of 4-byte floats twice over). */
export function bytesPerRowStep(model: ModelConfig): number {
  return KEPT_BYTES[model.cell] * model.hidden + 8 * coreInputWidth(model);
}

/** A training step's need: the batch's states at the longest sequence, and the weights with their gradients and Adam's two moments. */
export function trainStepBytes(model: ModelConfig, longest: number, batch: number): { states: number; weights: number; total: number } {
  const [states, weights] = [longest * batch * bytesPerRowStep(model), 16 * modelParams(model)];
  return { states, weights, total: states + weights };
}

/** Sequences of this length an evaluation batch may hold (at most `most`, at least one) within half the budget. */
export function evalRows(model: ModelConfig, length: number, most: number): number {
  return Math.max(1, Math.min(most, Math.floor(STEP_BUDGET_BYTES / 2 / (Math.max(1, length) * bytesPerRowStep(model)))));
}

/** "1.3 GiB" */
export function gibibytes(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(bytes < 10 * 2 ** 30 ? 1 : 0)} GiB`;
}
