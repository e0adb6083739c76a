/**
 * Inputs and outputs around a sequence core: token embedding, the many-to-one classifier
 * (reads the last *valid* step) and the many-to-many regressor (a prediction per step).
 */
import * as tf from '@tensorflow/tfjs';
import type { HeadConfig } from '../../contract.js';
import { fanInRule, initVariable } from '../init.js';
import { tensorsInProcessMemory } from '../in-process.js';
import type { Rng } from '../random.js';
import { gatherRows, scatterRows } from '../kernels/rows.js';

/**
 * Rows of E for token ids, with dL/dE = Σ over occurrences of dL/d(row): a scatter-add.
 * tf.gather's own gradient needs UnsortedSegmentSum, which tfjs-wasm lacks. Both ways go through
 * gatherRows/scatterRows (kernels/rows.ts), row copies in wasm memory: against tfjs-wasm's
 * GatherV2 and ScatterNd, scoring 6,735 SST-2 phrases (GRU, hidden 64) 190 → 120 ms, 600
 * training steps 2.7 → 2.2 s.
 */
const embeddingLookup = tf.customGrad(((E: tf.Tensor2D, ids: tf.Tensor, save: tf.GradSaveFunc) => {
  const width = E.shape[1];
  save([ids]);
  const value = tf.reshape(gatherRows(E, tf.reshape(ids, [-1])), [...ids.shape, width]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => [
      scatterRows(tf.reshape(dy, [-1, width]), tf.reshape(saved, [-1]), E.shape),
      tf.zerosLike(saved),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);

/** Token ids (batch × T, int32) → vectors (batch × T × e) through E (vocab × e), nn.Embedding's N(0,1) init. */
export class Embedding {
  readonly E: tf.Variable;
  constructor(vocab: number, embed: number, rng: Rng) {
    this.E = initVariable([vocab, embed], { kind: 'normal', scale: 1 }, rng);
  }
  apply(ids: tf.Tensor2D): tf.Tensor3D {
    return embeddingLookup(this.E, ids) as tf.Tensor3D;
  }
}

/**
 * Rows `rows` of x, with a backward that scatters the gradient back into those rows (tfjs's own
 * gather gradient needs UnsortedSegmentSum, which tfjs-wasm lacks). kernels/rows.ts.
 */
const pickRows = tf.customGrad(((x: tf.Tensor2D, rows: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([rows]);
  return {
    value: gatherRows(x, rows),
    gradFunc: (dy: tf.Tensor2D, [r]: tf.Tensor[]) => [scatterRows(dy, r as tf.Tensor1D, x.shape), tf.zerosLike(r)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D, rows: tf.Tensor1D) => tf.Tensor2D;

/**
 * The state at step length−1 of each sequence: (batch × T × d), or (T × batch × d) where
 * timeMajor, → (batch × d). Picked by row (b·T + length_b − 1, or (length_b − 1)·batch + b), not
 * by a one-hot multiply and sum over T: that cost ≈ 5–10 % of a bench-A step on wasm, forward
 * and backward, and a NaN at a padded step would have poisoned the sum.
 */
export function lastValid(states: tf.Tensor3D, lengths: tf.Tensor1D, timeMajor = false): tf.Tensor2D {
  const [batch, len, d] = timeMajor ? [states.shape[1], states.shape[0], states.shape[2]] : states.shape;
  const row = (b: number, last: number) => (timeMajor ? last * batch + b : b * len + last);
  let rows: tf.Tensor1D;
  if (tensorsInProcessMemory()) {
    // the lengths are at hand: the row numbers in JS, not as 6 tiny ops
    const lastOf = lengths.dataSync();
    rows = tf.tensor1d(Int32Array.from({ length: batch }, (_, b) => row(b, lastOf[b] - 1)), 'int32');
  } else {
    const int = (v: number) => tf.scalar(v, 'int32');
    const b = tf.range(0, batch, 1, 'int32');
    const last = tf.sub(tf.cast(lengths, 'int32'), int(1));
    rows = (timeMajor ? tf.add(tf.mul(last, int(batch)), b) : tf.add(tf.mul(b, int(len)), last)) as tf.Tensor1D;
  }
  return pickRows(tf.reshape(states, [batch * len, d]) as tf.Tensor2D, rows);
}

/** Linear readout y = s W_out^T + b_out, W_out (outputs × d) as nn.Linear. */
export class Head {
  readonly W_out: tf.Variable;
  readonly b_out: tf.Variable;
  readonly outputs: number;

  constructor(
    readonly config: HeadConfig,
    hidden: number,
    rng: Rng,
  ) {
    this.outputs = config.type === 'classify' ? config.classes : config.outputs;
    const rule = fanInRule(hidden);
    this.W_out = initVariable([this.outputs, hidden], rule, rng);
    this.b_out = initVariable([this.outputs], rule, rng);
  }

  /**
   * classify: logits (batch × classes) from the last valid state; regress: (batch × T × outputs).
   * timeMajor: the states are (T × batch × d) (classify only).
   */
  apply(states: tf.Tensor3D, lengths: tf.Tensor1D, timeMajor = false): tf.Tensor {
    if (this.config.type === 'classify') {
      return tf.add(tf.matMul(lastValid(states, lengths, timeMajor), this.W_out, false, true), this.b_out);
    }
    if (timeMajor) throw new Error('the regression head reads batch-major states');
    const [batch, len, d] = states.shape;
    const flat = tf.add(tf.matMul(tf.reshape(states, [batch * len, d]), this.W_out, false, true), this.b_out);
    return tf.reshape(flat, [batch, len, this.outputs]);
  }
}
