/**
 * SharedRNN: h_t = f(W_hh h_{t−1} + W_xh x_t + b_h) with ONE W_xh, W_hh, b_h used at every
 * step, so it runs any length (150, 1000, …) with d(d+n+1) parameters (tanh; gates× for GRU/LSTM).
 */
import * as tf from '@tensorflow/tfjs';
import type { BiasStyle, CellKind, InitStyle } from '../../contract.js';
import { CELLS, type CellSpec } from '../cells/index.js';
import { recurrentParams } from '../params.js';
import type { Rng } from '../random.js';
import { checkInput, runRecurrence, stepSlices, type ForwardOptions, type SequenceCore } from './core.js';
import { createRecurrentWeights, hiddenProjection, namedWeights, weightList, type RecurrentWeights } from './recurrent-weights.js';

export interface RnnOptions {
  cell: CellKind;
  input: number;
  hidden: number;
  biases: BiasStyle;
  init: InitStyle;
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

  forward(x: tf.Tensor3D, opts: ForwardOptions = {}): tf.Tensor3D {
    checkInput(x, this.options.input);
    const [batch, len, n] = x.shape;
    const { W_xh, W_hh, b_ih, b_hh } = this.weights;
    const rows = W_xh.shape[0];
    // The input projection of all T steps is one matmul; only the recurrent part is sequential.
    const xp = tf.reshape(tf.add(tf.matMul(tf.reshape(x, [batch * len, n]), W_xh, false, true), b_ih), [batch, len, rows]) as tf.Tensor3D;
    const xpAt = stepSlices(xp, opts.inference);
    const W_hhT = tf.transpose(W_hh) as tf.Tensor2D;
    const used = weightList(this.weights);
    return runRecurrence(
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
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
  }
}
