/**
 * Inputs and outputs around a sequence core: token embedding, the many-to-one classifier
 * (reads the last *valid* step) and the many-to-many regressor (a prediction per step).
 */
import * as tf from '@tensorflow/tfjs';
import type { HeadConfig } from '../../contract.js';
import { fanInRule, initVariable } from '../init.js';
import { tensorsInProcessMemory } from '../in-process.js';
import type { Rng } from '../random.js';
import { linear } from '../kernels/linear.js';
import { gatherRows, scatterRows } from '../kernels/rows.js';

/** Token ids (batch × T, int32) → vectors (batch × T × e) through E (vocab × e), nn.Embedding's N(0,1) init. */
export class Embedding {
  readonly E: tf.Variable;
  constructor(vocab: number, embed: number, rng: Rng) {
    this.E = initVariable([vocab, embed], { kind: 'normal', scale: 1 }, rng);
  }
  apply(ids: tf.Tensor2D): tf.Tensor3D {
    const [batch, len] = ids.shape;
    const E = this.E as tf.Tensor2D;
    return tf.reshape(pickRows(E, tf.reshape(ids, [-1])), [batch, len, E.shape[1]]);
  }
}

/**
 * Rows `rows` of x (token ids of an embedding; the last valid state of each sequence), with
 * ∂L/∂x the scatter-add of ∂L/∂(row) back into those rows. tf.gather's own gradient needs
 * UnsortedSegmentSum, which tfjs-wasm lacks; gatherRows/scatterRows (kernels/rows.ts) copy rows
 * in wasm memory: against tfjs-wasm's GatherV2 and ScatterNd, scoring 6,735 SST-2 phrases (GRU,
 * hidden 64) 190 → 120 ms, 600 training steps 2.7 → 2.2 s. The rows are not an input of the
 * gradient, so no zeros are made for them (on webgpu a dispatch).
 */
function pickRows(x: tf.Tensor2D, rows: tf.Tensor1D): tf.Tensor2D {
  const op = tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
    // saved, not only captured: tfjs disposes the forward's other tensors before the backward
    save([rows]);
    return {
      value: gatherRows(x, rows),
      gradFunc: (dy: tf.Tensor2D, [r]: tf.Tensor[]) => scatterRows(dy, r as tf.Tensor1D, x.shape),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D) => tf.Tensor2D;
  return op(x);
}

/**
 * The state at step length−1 of each sequence: (batch × T × d), or (T × batch × d) where
 * timeMajor, → (batch × d). Picked by row (b·T + length_b − 1, or (length_b − 1)·batch + b), not
 * by a one-hot multiply and sum over T: that cost ≈ 5–10 % of a bench-A step on wasm, forward
 * and backward, and a NaN at a padded step would have poisoned the sum. The row numbers come
 * from `host` (the lengths as the batch was built) or a read where tensors are in this process,
 * else from 3 tiny ops (on webgpu each a dispatch).
 */
export function lastValid(states: tf.Tensor3D, lengths: tf.Tensor1D, timeMajor = false, host?: ArrayLike<number>): tf.Tensor2D {
  const [batch, len, d] = timeMajor ? [states.shape[1], states.shape[0], states.shape[2]] : states.shape;
  const row = (b: number, last: number) => (timeMajor ? last * batch + b : b * len + last);
  let rows: tf.Tensor1D;
  const lastOf = host ?? (tensorsInProcessMemory() ? lengths.dataSync() : null);
  if (lastOf) {
    rows = tf.tensor1d(Int32Array.from({ length: batch }, (_, b) => row(b, lastOf[b] - 1)), 'int32');
  } else {
    const int = (v: number) => tf.scalar(v, 'int32');
    const b = tf.range(0, batch, 1, 'int32');
    const last = tf.sub(tf.cast(lengths, 'int32'), int(1));
    rows = (timeMajor ? tf.add(tf.mul(last, int(batch)), b) : tf.add(tf.mul(b, int(len)), last)) as tf.Tensor1D;
  }
  return pickRows(tf.reshape(states, [batch * len, d]) as tf.Tensor2D, rows);
}

/** Linear readout y = s W_out^T + b_out, W_out (outputs × d) as nn.Linear (kernels/linear.ts: one product each way). */
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
   * timeMajor: the states are (T × batch × d) (classify only); hostLengths: see lastValid.
   */
  apply(states: tf.Tensor3D, lengths: tf.Tensor1D, timeMajor = false, hostLengths?: ArrayLike<number>): tf.Tensor {
    if (this.config.type === 'classify') {
      return linear(lastValid(states, lengths, timeMajor, hostLengths), this.W_out as tf.Tensor2D, this.b_out as tf.Tensor1D);
    }
    if (timeMajor) throw new Error('the regression head reads batch-major states');
    const [batch, len, d] = states.shape;
    const flat = linear(tf.reshape(states, [batch * len, d]), this.W_out as tf.Tensor2D, this.b_out as tf.Tensor1D);
    return tf.reshape(flat, [batch, len, this.outputs]);
  }
}
