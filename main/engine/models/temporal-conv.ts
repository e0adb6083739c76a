/**
 * TemporalConv: the CNN side of the page's comparison. One causal 1-D convolution over time,
 * s_t = tanh(Σ_{j<k} W_j x_{t−k+1+j} + b), whose kernel is shared across positions exactly as a
 * Conv2d filter is shared across pixels. Receptive field: k steps (an RNN's is all the past).
 */
import * as tf from '@tensorflow/tfjs';
import { initVariable, fanInRule } from '../init.js';
import { conv1dParams } from '../params.js';
import type { Rng } from '../random.js';
import { checkInput, fromBatchMajor, type ForwardOptions, type SequenceCore } from './core.js';

export class TemporalConv implements SequenceCore {
  readonly kind = 'conv' as const;
  /** filter in tfjs' conv1d layout (k × n × d) */
  readonly W: tf.Variable;
  /** bias (d) */
  readonly b: tf.Variable;
  readonly vars: Map<string, tf.Variable>;

  constructor(
    readonly options: { input: number; hidden: number; kernel: number },
    rng: Rng,
  ) {
    const rule = fanInRule(options.input * options.kernel);
    this.W = initVariable([options.kernel, options.input, options.hidden], rule, rng);
    this.b = initVariable([options.hidden], rule, rng);
    this.vars = new Map([
      ['conv.W', this.W],
      ['conv.b', this.b],
    ]);
  }

  get outputSize(): number {
    return this.options.hidden;
  }

  /** How many input steps one output sees. */
  get receptiveField(): number {
    return this.options.kernel;
  }

  paramCount(): number {
    return conv1dParams(this.options.input, this.options.hidden, this.options.kernel);
  }

  forward(x: tf.Tensor3D, opts: ForwardOptions = {}): tf.Tensor3D {
    checkInput(x, this.options.input);
    const len = x.shape[1];
    // Left padding keeps it causal: output t sees inputs t−k+1 … t, never the future.
    const padded = tf.pad(x, [
      [0, 0],
      [this.options.kernel - 1, 0],
      [0, 0],
    ]);
    // The convolution as one matmul over the k shifted windows ("im2col"): tfjs-wasm has no
    // Conv2DBackpropFilter kernel, and matMul without transposes is its fastest path anyway.
    const [batch, , n] = x.shape;
    const k = this.options.kernel;
    const windows = tf.concat(Array.from({ length: k }, (_, j) => tf.slice(padded, [0, j, 0], [batch, len, n])), 2);
    const flat = tf.matMul(tf.reshape(windows, [batch * len, k * n]), tf.reshape(this.W, [k * n, this.options.hidden]));
    let states = tf.reshape(tf.tanh(tf.add(flat, this.b)), [batch, len, this.options.hidden]) as tf.Tensor3D;
    if (opts.trace) for (let t = 0; t < len; t++) opts.trace(t, [this.W, this.b]);
    if (opts.mask) states = tf.mul(states, tf.expandDims(opts.mask, 2));
    if (opts.taps) states = tf.add(states, tf.stack(opts.taps, 1)) as tf.Tensor3D;
    return fromBatchMajor(states, opts);
  }

  dispose(): void {
    this.W.dispose();
    this.b.dispose();
  }
}
