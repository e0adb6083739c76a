/**
 * UnsharedRNN: h_t = f(W_hh^(t) h_{t−1} + W_xh^(t) x_t + b_h^(t)), a separate weight set for
 * every position t < maxLen: T·d(d+n+1) parameters, and no weights at all past maxLen (the
 * page's length-generalization failure, raised as a typed error).
 */
import * as tf from '@tensorflow/tfjs';
import { CELLS, type CellSpec } from '../cells/index.js';
import { SequenceTooLongError } from '../errors.js';
import { carryPastMask } from '../kernels/carry-lengths.js';
import { unsharedRecurrence } from '../kernels/unshared-recurrence.js';
import { unsharedTanh } from '../kernels/unshared-tanh.js';
import { WasmDirect } from '../kernels/wasm-direct.js';
import { unsharedParams } from '../params.js';
import type { Rng } from '../random.js';
import { checkInput, fromBatchMajor, fromTimeMajor, runRecurrence, stepSlices, type ForwardOptions, type SequenceCore } from './core.js';
import { createRecurrentWeights, hiddenProjection, namedWeights, weightList, type RecurrentWeights } from './recurrent-weights.js';
import type { RnnOptions, SharedRNN } from './shared-rnn.js';

export class UnsharedRNN implements SequenceCore {
  readonly kind = 'unshared' as const;
  readonly cell: CellSpec;
  /** steps[t] holds the weights of position t (0-based) */
  readonly steps: RecurrentWeights[];
  readonly vars: Map<string, tf.Variable>;

  constructor(
    readonly options: RnnOptions & { maxLen: number; beyondMax?: 'refuse' | 'reuse-last' | 'mean' },
    rng: Rng,
  ) {
    this.cell = CELLS[options.cell];
    this.steps = Array.from({ length: options.maxLen }, () =>
      createRecurrentWeights(this.cell.gates, options.input, options.hidden, options.biases, options.init, rng),
    );
    this.vars = new Map(this.steps.flatMap((w, t) => namedWeights(w, `@${t}`)));
  }

  /** An unshared model whose every position starts as a copy of a shared model's weights. */
  static fromShared(shared: SharedRNN, maxLen: number, rng: Rng): UnsharedRNN {
    const model = new UnsharedRNN({ ...shared.options, maxLen }, rng);
    for (const step of model.steps) {
      step.W_xh.assign(shared.weights.W_xh);
      step.W_hh.assign(shared.weights.W_hh);
      step.b_ih.assign(shared.weights.b_ih);
      if (step.b_hh && shared.weights.b_hh) step.b_hh.assign(shared.weights.b_hh);
    }
    return model;
  }

  get outputSize(): number {
    return this.options.hidden;
  }

  paramCount(): number {
    const o = this.options;
    return unsharedParams(o.cell, o.input, o.hidden, o.maxLen, o.biases);
  }

  /** the wasm kernels give ∂L/∂h_t for every t as the probe's gradient (within maxLen) */
  acceptsProbe(len: number): boolean {
    return this.options.kernels === 'fast' && len <= this.options.maxLen && WasmDirect.current() !== null;
  }

  forward(x: tf.Tensor3D, opts: ForwardOptions = {}): tf.Tensor3D {
    checkInput(x, this.options.input);
    const [batch, len] = x.shape;
    const { maxLen, beyondMax = 'refuse' } = this.options;
    if (len > maxLen && beyondMax === 'refuse') throw new SequenceTooLongError(len, maxLen);
    // the hand-written kernels, where no step borrows another's weights and no probe taps in:
    // every cell on wasm, tanh elsewhere too (as tfjs ops); otherwise autodiff below
    if (this.options.kernels === 'fast' && len <= maxLen && !opts.taps) {
      const fast = this.forwardFastWasm(x, opts) ?? (this.options.cell === 'tanh' ? this.forwardFastTanh(x, opts) : null);
      if (fast) return fast;
    }
    const xAt = stepSlices(x, opts.inference);
    const past = len > maxLen ? (beyondMax === 'mean' ? this.meanWeights() : this.steps[maxLen - 1]) : null;
    const weightsAt = (t: number) => (t < maxLen ? this.steps[t] : past!);
    const states = runRecurrence(
      this.cell,
      {
        input: (t) => {
          const w = weightsAt(t);
          opts.trace?.(t, weightList(w));
          return tf.add(tf.matMul(xAt(t), w.W_xh, false, true), w.b_ih);
        },
        hidden: (t, h) => hiddenProjection(h, tf.transpose(weightsAt(t).W_hh) as tf.Tensor2D, weightsAt(t).b_hh),
      },
      { batch, len, hidden: this.options.hidden },
      opts,
    );
    return fromBatchMajor(states, opts);
  }

  private forwardFastWasm(x: tf.Tensor3D, opts: ForwardOptions): tf.Tensor3D | null {
    const len = x.shape[1];
    const steps = this.steps.slice(0, len).map((w) => ({ W_xh: w.W_xh as tf.Tensor2D, W_hh: w.W_hh as tf.Tensor2D, b_ih: w.b_ih as tf.Tensor1D, b_hh: w.b_hh as tf.Tensor1D | null }));
    return this.timeMajor(x, opts, (xT) => unsharedRecurrence(this.options.cell, xT, steps, !opts.inputIsData, opts.probe));
  }

  private forwardFastTanh(x: tf.Tensor3D, opts: ForwardOptions): tf.Tensor3D {
    const len = x.shape[1];
    const steps = this.steps.slice(0, len).map((w) => ({ W_xh: w.W_xh as tf.Tensor2D, W_hh: w.W_hh as tf.Tensor2D, b: (w.b_hh ? tf.add(w.b_ih, w.b_hh) : w.b_ih) as tf.Tensor1D }));
    return this.timeMajor(x, opts, (xT) => unsharedTanh(xT, steps, !opts.inputIsData))!;
  }

  /**
   * Runs a kernel on time-major x and returns its states as opts asks (batch-major by default); every sequence runs all T
   * steps, padded steps then carry the state (carry-lengths.ts). null: the kernel cannot run here.
   */
  private timeMajor(x: tf.Tensor3D, opts: ForwardOptions, kernel: (xT: tf.Tensor3D) => tf.Tensor3D | null): tf.Tensor3D | null {
    const all = kernel(tf.transpose(x, [1, 0, 2]) as tf.Tensor3D);
    if (!all) return null;
    this.steps.slice(0, x.shape[1]).forEach((w, t) => opts.trace?.(t, weightList(w)));
    const states = opts.mask && !opts.fullLengths ? carryPastMask(all, opts.mask) : all;
    return fromTimeMajor(states, opts);
  }

  /** W̄ = (1/T) Σ_t W^(t) for every weight, as plain tensors (the caller's tidy disposes them). */
  meanWeights(): RecurrentWeights {
    const mean = (pick: (w: RecurrentWeights) => tf.Variable) => tf.div(tf.addN(this.steps.map(pick)), this.steps.length) as tf.Variable;
    return {
      W_xh: mean((w) => w.W_xh),
      W_hh: mean((w) => w.W_hh),
      b_ih: mean((w) => w.b_ih),
      b_hh: this.steps[0].b_hh ? mean((w) => w.b_hh!) : null,
    };
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
  }
}
