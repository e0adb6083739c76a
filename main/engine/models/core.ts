/**
 * What every sequence core (shared RNN, unshared RNN, temporal conv) offers, and the one
 * recurrence loop the two RNNs share.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelKind } from '../../contract.js';
import type { CellSpec, CellState } from '../cells/index.js';
import { EngineError } from '../errors.js';

export interface ForwardOptions {
  /** (batch × T), 1 on valid steps, 0 on padding: a padded step carries the state unchanged */
  mask?: tf.Tensor2D;
  /**
   * Zero tensors (batch × d) added to each h_t after its update; the gradient of the loss with
   * respect to tap t equals dL/dh_t, which is how probes read per-timestep contributions.
   */
  taps?: tf.Tensor2D[];
  /**
   * The same probe for the fast kernels, as one tensor: zeros (T × batch × d, time-major) that
   * the kernel's backward gives ∂L/∂h_t for every t (the gradient from outside plus the
   * carry), so the probe costs about one training step instead of an autodiff pass. Only
   * where SequenceCore.acceptsProbe says so.
   */
  probe?: tf.Tensor3D;
  /** Told which parameter tensors step t consumed: the weight-identity probe's evidence. */
  trace?: (t: number, used: tf.Variable[]) => void;
  /** no gradient will be taken: slice steps the way that is fastest without one */
  inference?: boolean;
  /** every sequence of the batch has the full length T: the mask can be skipped */
  fullLengths?: boolean;
  /**
   * the input is data with no parameter upstream (no embedding, no learned position table):
   * the hand-written kernels may skip ∂L/∂x (they return zeros for it). Never set it where a
   * gradient with respect to the input is wanted.
   */
  inputIsData?: boolean;
  /**
   * return the states time-major, (T × batch × d): the fast kernels hold them so, and a
   * classifier reads one row per sequence. Saves a transpose of every state forward and one
   * of their gradient backward (≈ 4 % of a bench-A step).
   */
  timeMajor?: boolean;
}

/** A core's batch-major states in the layout ForwardOptions.timeMajor asks for. */
export function fromBatchMajor(states: tf.Tensor3D, opts: ForwardOptions): tf.Tensor3D {
  return opts.timeMajor ? (tf.transpose(states, [1, 0, 2]) as tf.Tensor3D) : states;
}

/** A core's time-major states (the fast kernels') in the layout ForwardOptions.timeMajor asks for. */
export function fromTimeMajor(states: tf.Tensor3D, opts: ForwardOptions): tf.Tensor3D {
  return opts.timeMajor ? states : (tf.transpose(states, [1, 0, 2]) as tf.Tensor3D);
}

/**
 * Per-step slices x[:, t] of a (batch × T × k) tensor. With gradients, unstack: its gradient
 * is one stack. Without, gather from a time-major copy: tfjs-wasm's unstack copies the whole
 * input for every slice (O(T²): 59 s for one evaluation at T = 1000), gather reads one step.
 * A single step is a reshape: tfjs hands a one-output kernel's gradient over as a tensor, not
 * a list, and Unpack's gradient (a stack) then fails on it (a batch of one-token texts).
 */
export function stepSlices(x: tf.Tensor3D, inference = false): (t: number) => tf.Tensor2D {
  if (x.shape[1] === 1) {
    const only = tf.reshape(x, [x.shape[0], x.shape[2]]) as tf.Tensor2D;
    return () => only;
  }
  if (!inference) {
    const steps = tf.unstack(x, 1) as tf.Tensor2D[];
    return (t) => steps[t];
  }
  const timeMajor = tf.transpose(x, [1, 0, 2]);
  return (t) => tf.gather(timeMajor, t) as unknown as tf.Tensor2D;
}

export interface SequenceCore {
  readonly kind: ModelKind;
  /** width d of the state each step emits */
  readonly outputSize: number;
  /** the trainable tensors, by stable name (W_xh, W_hh, b_h, W_xh@7 …) */
  readonly vars: Map<string, tf.Variable>;
  /** states for every step, (batch × T × d), from inputs (batch × T × n); (T × batch × d) with opts.timeMajor */
  forward(x: tf.Tensor3D, opts?: ForwardOptions): tf.Tensor3D;
  /** closed-form parameter count (params.ts); must equal the tensors' sizes */
  paramCount(): number;
  /** whether forward() takes ForwardOptions.probe for sequences of this length (else: taps) */
  acceptsProbe?(len: number): boolean;
  dispose(): void;
}

/** A probe given to a core that cannot take it would read as all zeros: refuse it instead. */
export function checkProbe(core: SequenceCore, len: number, opts: ForwardOptions): void {
  if (opts.probe && !core.acceptsProbe?.(len)) throw new Error(`the ${core.kind} core takes no gradient probe here (use taps)`);
}

export function checkInput(x: tf.Tensor3D, width: number): void {
  if (x.rank !== 3) throw new EngineError('bad-input', `expected inputs of shape (batch, T, ${width}), got rank ${x.rank}`);
  if (x.shape[1] < 1) throw new EngineError('bad-input', 'a sequence needs at least one step');
  if (x.shape[2] !== width) {
    throw new EngineError('bad-input', `expected ${width} features per step, got ${x.shape[2]}`);
  }
}

/** Projections of one step: xp = x_t W_xh^T + b_ih, and the recurrent hp = h W_hh^T + b_hh. */
export interface StepProjections {
  input(t: number): tf.Tensor2D;
  hidden(t: number, h: tf.Tensor2D): tf.Tensor2D;
}

/**
 * Runs h_t = cell(x_t, h_{t−1}) for t = 0…T−1 from h_0 = 0 and stacks the states.
 * Masked steps keep the previous state: h ← h + m ⊙ (h_new − h).
 */
export function runRecurrence(
  cell: CellSpec,
  proj: StepProjections,
  dims: { batch: number; len: number; hidden: number },
  opts: ForwardOptions,
): tf.Tensor3D {
  const { batch, len, hidden } = dims;
  let state: CellState = { h: tf.zeros([batch, hidden]) };
  if (cell.hasMemory) state.c = tf.zeros([batch, hidden]);
  const maskAt = opts.mask ? stepSlices(tf.expandDims(opts.mask, 2) as tf.Tensor3D, opts.inference) : null;
  const states: tf.Tensor2D[] = [];
  for (let t = 0; t < len; t++) {
    const next = cell.step(proj.input(t), proj.hidden(t, state.h), state);
    if (maskAt) {
      const m = maskAt(t);
      next.h = tf.add<tf.Tensor2D>(state.h, tf.mul(m, tf.sub(next.h, state.h)));
      if (next.c && state.c) next.c = tf.add<tf.Tensor2D>(state.c, tf.mul(m, tf.sub(next.c, state.c)));
    }
    if (opts.taps) next.h = tf.add<tf.Tensor2D>(next.h, opts.taps[t]);
    state = next;
    states.push(state.h);
  }
  return tf.stack(states, 1) as tf.Tensor3D;
}
