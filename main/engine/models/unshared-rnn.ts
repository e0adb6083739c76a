/**
 * UnsharedRNN: h_t = f(W_hh^(t) h_{t−1} + W_xh^(t) x_t + b_h^(t)), a separate weight set for
 * every position t < maxLen: T·d(d+n+1) parameters, and no weights at all past maxLen (the
 * page's length-generalization failure, raised as a typed error).
 */
import * as tf from '@tensorflow/tfjs';
import { CELLS, type CellSpec } from '../cells/index.js';
import { SequenceTooLongError } from '../errors.js';
import { unsharedParams } from '../params.js';
import type { Rng } from '../random.js';
import { checkInput, runRecurrence, stepSlices, type ForwardOptions, type SequenceCore } from './core.js';
import { createRecurrentWeights, hiddenProjection, namedWeights, weightList, type RecurrentWeights } from './recurrent-weights.js';
import type { RnnOptions, SharedRNN } from './shared-rnn.js';

export class UnsharedRNN implements SequenceCore {
  readonly kind = 'unshared' as const;
  readonly cell: CellSpec;
  /** steps[t] holds the weights of position t (0-based) */
  readonly steps: RecurrentWeights[];
  readonly vars: Map<string, tf.Variable>;

  constructor(
    readonly options: RnnOptions & { maxLen: number },
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

  forward(x: tf.Tensor3D, opts: ForwardOptions = {}): tf.Tensor3D {
    checkInput(x, this.options.input);
    const [batch, len] = x.shape;
    if (len > this.options.maxLen) throw new SequenceTooLongError(len, this.options.maxLen);
    const xAt = stepSlices(x, opts.inference);
    return runRecurrence(
      this.cell,
      {
        input: (t) => {
          const w = this.steps[t];
          opts.trace?.(t, weightList(w));
          return tf.add(tf.matMul(xAt(t), w.W_xh, false, true), w.b_ih);
        },
        hidden: (t, h) => hiddenProjection(h, tf.transpose(this.steps[t].W_hh) as tf.Tensor2D, this.steps[t].b_hh),
      },
      { batch, len, hidden: this.options.hidden },
      opts,
    );
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
  }
}
