/**
 * SharedRNN: h_t = f(W_hh h_{t−1} + W_xh x_t + b_h) with ONE W_xh, W_hh, b_h used at every
 * step, so it runs any length (150, 1000, …) with d(d+n+1) parameters (tanh; gates× for GRU/LSTM).
 */
import * as tf from '@tensorflow/tfjs';
import type { BiasStyle, CellKind, InitStyle } from '../../contract.js';
import { CELLS, type CellSpec } from '../cells/index.js';
import { linear, linearOfData } from '../kernels/linear.js';
import { carryPastMask } from '../kernels/carry-lengths.js';
import { gruRecurrence } from '../kernels/gru-recurrence.js';
import { lstmRecurrence } from '../kernels/lstm-recurrence.js';
import { tanhRecurrence } from '../kernels/tanh-recurrence.js';
import { recurrentParams } from '../params.js';
import type { Rng } from '../random.js';
import { checkInput, fromBatchMajor, fromTimeMajor, runRecurrence, stepSlices, type ForwardOptions, type SequenceCore } from './core.js';
import { createRecurrentWeights, hiddenProjection, namedWeights, weightList, type RecurrentWeights } from './recurrent-weights.js';

export interface RnnOptions {
  cell: CellKind;
  input: number;
  hidden: number;
  biases: BiasStyle;
  init: InitStyle;
  /** 'fast' uses the hand-written tanh recurrence where it applies (default: autodiff) */
  kernels?: 'fast' | 'autodiff';
}

export class SharedRNN implements SequenceCore {
  readonly kind = 'shared' as const;
  readonly cell: CellSpec;
  readonly weights: RecurrentWeights;
  readonly vars: Map<string, tf.Variable>;

  constructor(
    readonly options: RnnOptions,
    rng: Rng,
  ) {
    this.cell = CELLS[options.cell];
    this.weights = createRecurrentWeights(this.cell.gates, options.input, options.hidden, options.biases, options.init, rng);
    this.vars = new Map(namedWeights(this.weights));
  }

  get outputSize(): number {
    return this.options.hidden;
  }

  paramCount(): number {
    return recurrentParams(this.options.cell, this.options.input, this.options.hidden, this.options.biases);
  }

  /** the fast kernels give ∂L/∂h_t for every t as the probe's gradient */
  acceptsProbe(): boolean {
    return this.options.kernels === 'fast';
  }

  forward(x: tf.Tensor3D, opts: ForwardOptions = {}): tf.Tensor3D {
    checkInput(x, this.options.input);
    // taps (the dL/dh_t probe) need every step in the autodiff graph: reference path
    if (this.options.kernels === 'fast' && !opts.taps) return this.forwardFast(x, opts);
    const [batch, len, n] = x.shape;
    const { W_xh, W_hh, b_ih, b_hh } = this.weights;
    const rows = W_xh.shape[0];
    // The input projection of all T steps is one matmul; only the recurrent part is sequential.
    const xp = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [batch * len, n]), W_xh, false, true), b_ih), [batch, len, rows]) as tf.Tensor3D;
    const xpAt = stepSlices(xp, opts.inference);
    const W_hhT = tf.transpose(W_hh) as tf.Tensor2D;
    const used = weightList(this.weights);
    const states = runRecurrence(
      this.cell,
      {
        input: (t) => {
          opts.trace?.(t, used);
          return xpAt(t);
        },
        hidden: (_t, h) => hiddenProjection(h, W_hhT, b_hh),
      },
      { batch, len, hidden: this.options.hidden },
      opts,
    );
    return fromBatchMajor(states, opts);
  }

  /** The recurrence through kernels/ (hand-written BPTT for tanh, GRU and LSTM). */
  private forwardFast(x: tf.Tensor3D, opts: ForwardOptions): tf.Tensor3D {
    const [batch, len, n] = x.shape;
    const { W_xh, W_hh, b_ih, b_hh } = this.weights;
    const rows = W_xh.shape[0];
    const cell = this.options.cell;
    // tanh and LSTM: both biases join the input projection (one add for all T); GRU keeps
    // b_hh inside, where PyTorch's reset gate multiplies it
    const bias = (b_hh && cell !== 'gru' ? tf.add(b_ih, b_hh) : b_ih) as tf.Tensor1D;
    // time-major before the projection: transposing x (n wide) is cheaper than transposing xp
    // (d, 3d or 4d wide), forward and backward (LSTM at bench config B: 4.3 → 0.4 ms a step)
    const xT = tf.reshape(tf.transpose(x, [1, 0, 2]), [len * batch, n]) as tf.Tensor2D;
    const xp = (opts.inputIsData ? linearOfData : linear)(xT, W_xh as tf.Tensor2D, bias);
    const timeMajor = tf.reshape(xp, [len, batch, rows]) as tf.Tensor3D;
    const W = W_hh as tf.Tensor2D;
    const all =
      cell === 'tanh'
        ? tanhRecurrence(timeMajor, W, opts.probe)
        : cell === 'gru'
          ? gruRecurrence(timeMajor, W, (b_hh ?? tf.zeros([rows])) as tf.Tensor1D, opts.probe)
          : lstmRecurrence(timeMajor, W, opts.probe);
    // the kernels run every sequence for all T steps; padded steps then carry the state
    const states = opts.mask && !opts.fullLengths ? carryPastMask(all, opts.mask) : all;
    if (opts.trace) {
      const used = weightList(this.weights);
      for (let t = 0; t < len; t++) opts.trace(t, used);
    }
    return fromTimeMajor(states, opts);
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
  }
}
