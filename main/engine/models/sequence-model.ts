/**
 * A whole model from a ModelConfig: input (embedding or features) → position features →
 * core (shared RNN | unshared RNN | temporal conv) → head. The config is plain data; the
 * tables in this file map its names to classes (as tensorflow/playground's state does).
 */
import * as tf from '@tensorflow/tfjs';
import { ModelConfigSchema, type ModelConfig, type ModelConfigInput } from '../../contract.js';
import { ownedValueReads, tensorsInProcessMemory } from '../in-process.js';
import { readNow, type Reads } from '../reads.js';
import { classifyLoss } from '../kernels/classify-loss.js';
import { classifyLossOnWebgpu, webgpuLossReady } from '../kernels/webgpu-loss.js';
import { countTensors, modelParams } from '../params.js';
import { PositionEncoder } from '../position.js';
import { createRng, type Rng } from '../random.js';
import { checkProbe, type ForwardOptions, type SequenceCore } from './core.js';
import { Embedding, Head } from './heads.js';
import { SharedRNN } from './shared-rnn.js';
import { TemporalConv } from './temporal-conv.js';
import { UnsharedRNN } from './unshared-rnn.js';

/**
 * A batch as tensors. Padded positions have mask 0; lengths[b] = Σ_t mask[b, t].
 * x is (batch × T) int32 ids for an embedding input, else (batch × T × features).
 */
export interface TensorBatch {
  x: tf.Tensor;
  mask: tf.Tensor2D;
  lengths: tf.Tensor1D;
  /** classify: (batch) int32 labels; regress: (batch × T × outputs) targets */
  y: tf.Tensor;
  /** absolute timestamps (batch × T) for cyclic clocks */
  time?: tf.Tensor2D;
  /** known on the JS side when the batch was built: every sequence is T steps long */
  fullLengths?: boolean;
  /** the lengths on the JS side, as the batch was built (a copy): the head picks its rows from them without a read or ops */
  hostLengths?: Int32Array;
}

/**
 * mean: classify → mean cross-entropy over sequences; regress → mean squared error over all
 * valid steps (a long sequence weighs more). length-normalized: each sequence's loss divided
 * by its own length, then averaged, so long sequences no longer bring larger gradients.
 */
export type LossMode = 'mean' | 'length-normalized';

function buildCore(config: ModelConfig, width: number, rng: Rng): SequenceCore {
  const rnn = { cell: config.cell, input: width, hidden: config.hidden, biases: config.biases, init: config.init, kernels: config.kernels };
  switch (config.kind) {
    case 'shared':
      return new SharedRNN(rnn, rng);
    case 'unshared':
      return new UnsharedRNN({ ...rnn, maxLen: config.maxLen, beyondMax: config.beyondMax }, rng);
    case 'conv':
      return new TemporalConv({ input: width, hidden: config.hidden, kernel: config.kernel }, rng);
  }
}

export class SequenceModel {
  readonly config: ModelConfig;
  readonly embedding: Embedding | null;
  readonly position: PositionEncoder;
  readonly core: SequenceCore;
  readonly head: Head;
  /** every trainable tensor by name, in a stable order (embedding, position, core, head) */
  readonly vars: Map<string, tf.Variable>;

  constructor(config: ModelConfigInput) {
    this.config = ModelConfigSchema.parse(config);
    const c = this.config;
    const rng = createRng(c.seed);
    const inputWidth = c.input.type === 'embedding' ? c.input.embed : c.input.size;
    this.embedding = c.input.type === 'embedding' ? new Embedding(c.input.vocab, c.input.embed, rng.fork()) : null;
    this.position = new PositionEncoder(c.position, inputWidth, rng.fork());
    this.core = buildCore(c, this.position.outputWidth, rng.fork());
    this.head = new Head(c.head, c.hidden, rng.fork());
    this.vars = new Map<string, tf.Variable>([
      ...(this.embedding ? ([['embed.E', this.embedding.E]] as [string, tf.Variable][]) : []),
      ...this.position.vars,
      ...this.core.vars,
      ['W_out', this.head.W_out],
      ['b_out', this.head.b_out],
    ]);
  }

  /** Closed-form count (params.ts) — the tests check it equals `tensorParamCount()`. */
  paramCount(): number {
    return modelParams(this.config);
  }

  tensorParamCount(): number {
    return countTensors(this.vars.values());
  }

  /** The core's input: embedded or raw features with position features applied. */
  encode(batch: Pick<TensorBatch, 'x' | 'time'>): tf.Tensor3D {
    const x = this.embedding ? this.embedding.apply(batch.x as tf.Tensor2D) : (batch.x as tf.Tensor3D);
    return this.position.apply(x, batch.time);
  }

  /** States (batch × T × d) and the head's output. */
  forward(batch: TensorBatch, opts: ForwardOptions = {}): { states: tf.Tensor3D; output: tf.Tensor } {
    const states = this.states(batch, opts);
    return { states, output: this.head.apply(states, batch.lengths, false, batch.hostLengths) };
  }

  /**
   * The head's output alone. A classifier over a recurrent core with the fast kernels takes
   * the states time-major, as the kernels hold them (ForwardOptions.timeMajor).
   */
  output(batch: TensorBatch, opts: ForwardOptions = {}): tf.Tensor {
    const timeMajor = this.config.head.type === 'classify' && this.config.kind !== 'conv' && this.config.kernels === 'fast';
    return this.head.apply(this.states(batch, { ...opts, timeMajor }), batch.lengths, timeMajor, batch.hostLengths);
  }

  private states(batch: TensorBatch, opts: ForwardOptions): tf.Tensor3D {
    // raw features with no trainable encoder in front: the core need not differentiate its input
    const inputIsData = this.embedding === null && this.position.vars.size === 0;
    checkProbe(this.core, batch.mask.shape[1], opts);
    return this.core.forward(this.encode(batch), { fullLengths: batch.fullLengths, inputIsData, ...opts, mask: opts.mask ?? batch.mask });
  }

  /** Scalar training loss (see LossMode). */
  loss(batch: TensorBatch, mode: LossMode = 'mean', opts: ForwardOptions = {}): tf.Scalar {
    return this.lossOf(this.output(batch, opts), batch, mode);
  }

  /** Accuracy (classify) or mean squared error over valid steps (regress), as a scalar. */
  metric(batch: TensorBatch, opts: ForwardOptions = {}): tf.Scalar {
    return this.metricOf(this.output(batch, opts), batch);
  }

  /** Loss and metric from one forward pass: evaluation needs both, and the pass is its cost. */
  lossAndMetric(batch: TensorBatch, mode: LossMode = 'mean', opts: ForwardOptions = {}): [tf.Scalar, tf.Scalar] {
    const output = this.output(batch, opts);
    return [this.lossOf(output, batch, mode), this.metricOf(output, batch)];
  }

  private lossOf(output: tf.Tensor, batch: TensorBatch, mode: LossMode): tf.Scalar {
    if (this.config.head.type === 'classify' && tensorsInProcessMemory()) {
      const B = output.shape[0];
      const lengths = batch.lengths.dataSync();
      const weights = Array.from(lengths, (len) => (mode === 'mean' ? 1 / B : 1 / (B * len)));
      return classifyLoss(output as tf.Tensor2D, batch.y as tf.Tensor1D, weights);
    }
    if (this.config.head.type === 'classify' && webgpuLossReady()) {
      return classifyLossOnWebgpu(output as tf.Tensor2D, batch.y as tf.Tensor1D, batch.lengths, mode === 'length-normalized');
    }
    const lengths = tf.cast(batch.lengths, 'float32');
    if (this.config.head.type === 'classify') {
      const onehot = tf.oneHot(tf.cast(batch.y, 'int32') as tf.Tensor1D, this.head.outputs);
      const perSeq = tf.losses.softmaxCrossEntropy(onehot, output as tf.Tensor2D, undefined, undefined, tf.Reduction.NONE);
      return (mode === 'mean' ? tf.mean(perSeq) : tf.mean(tf.div(perSeq, lengths))) as tf.Scalar;
    }
    // squared error per step, averaged over output features, zero on padding
    const perStep = tf.mul(tf.mean(tf.squaredDifference(output, batch.y), 2), batch.mask);
    if (mode === 'mean') return tf.div(tf.sum(perStep), tf.maximum(tf.sum(batch.mask), 1)) as tf.Scalar;
    return tf.mean(tf.div(tf.sum(perStep, 1), lengths)) as tf.Scalar;
  }

  private metricOf(output: tf.Tensor, batch: TensorBatch): tf.Scalar {
    if (this.config.head.type === 'classify') {
      return tf.mean(tf.cast(tf.equal(tf.argMax(output, 1), tf.cast(batch.y, 'int32')), 'float32')) as tf.Scalar;
    }
    const perStep = tf.mul(tf.mean(tf.squaredDifference(output, batch.y), 2), batch.mask);
    return tf.div(tf.sum(perStep), tf.maximum(tf.sum(batch.mask), 1)) as tf.Scalar;
  }

  /** Weights as plain arrays (checkpoints, export, a validation helper's snapshot). */
  getWeights(): Record<string, { shape: number[]; values: Float32Array }> {
    return readNow(this.weightReads());
  }

  /** getWeights as reads (engine/reads.ts), for the training loop, which awaits them. */
  *weightReads(): Reads<Record<string, { shape: number[]; values: Float32Array }>> {
    const values = yield* ownedValueReads([...this.vars.values()]);
    return Object.fromEntries([...this.vars].map(([name, v], i) => [name, { shape: v.shape.slice(), values: values[i] }]));
  }

  /** Loads weights by name; shapes must match exactly. */
  setWeights(weights: Record<string, { shape: number[]; values: ArrayLike<number> }>): void {
    for (const [name, w] of Object.entries(weights)) {
      const v = this.vars.get(name);
      if (!v) throw new Error(`unknown parameter "${name}" (model has ${[...this.vars.keys()].slice(0, 8).join(', ')}…)`);
      if (v.shape.join('x') !== w.shape.join('x')) {
        throw new Error(`parameter "${name}" has shape ${v.shape.join('×')}, got ${w.shape.join('×')}`);
      }
      tf.tidy(() => v.assign(tf.tensor(Float32Array.from(w.values), v.shape)));
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
  }
}
