/**
 * Position features that keep weights shared while telling the network where it is (the
 * page's "solutions that preserve sharing"): none, sinusoidal PE added to x, t/T
 * concatenated, a learned position embedding, and cyclic sin/cos clocks for known periods.
 */
import * as tf from '@tensorflow/tfjs';
import type { PositionConfig } from '../contract.js';
import { EngineError } from './errors.js';
import { initVariable } from './init.js';
import type { Rng } from './random.js';

/**
 * The Transformer table PE(t)[2i] = sin(t·10000^(−2i/dim)), PE(t)[2i+1] = cos(same), row-major
 * (len × dim). Computed for any length: nothing here caps the sequence length.
 */
export function sinusoidalTable(len: number, dim: number): Float32Array {
  const out = new Float32Array(len * dim);
  for (let t = 0; t < len; t++) {
    for (let i = 0; i < dim; i += 2) {
      const angle = t * Math.exp(i * (-Math.log(10000) / dim));
      out[t * dim + i] = Math.sin(angle);
      if (i + 1 < dim) out[t * dim + i + 1] = Math.cos(angle);
    }
  }
  return out;
}

/** The concatenated feature t/T for t = 0…T−1. */
export function concatPositions(len: number): number[] {
  return Array.from({ length: len }, (_, t) => t / len);
}

/** [sin(2πt/P), cos(2πt/P)] for each period P, per timestamp. */
export function cyclicFeatures(times: ArrayLike<number>, periods: number[]): number[][] {
  return Array.from(times, (t) => periods.flatMap((p) => [Math.sin((2 * Math.PI * t) / p), Math.cos((2 * Math.PI * t) / p)]));
}

/** Applies one PositionConfig to a batch of inputs (batch × T × width). */
export class PositionEncoder {
  /** learned position embedding E_pos (maxLen × width); empty for the other kinds */
  readonly vars = new Map<string, tf.Variable>();

  constructor(
    readonly config: PositionConfig,
    readonly width: number,
    rng: Rng,
  ) {
    if (config.type === 'learned') {
      // nn.Embedding's default N(0, 1)
      this.vars.set('pos.E', initVariable([config.maxLen, width], { kind: 'normal', scale: 1 }, rng));
    }
  }

  /** Width after the features are applied. */
  get outputWidth(): number {
    if (this.config.type === 'concat') return this.width + 1;
    if (this.config.type === 'cyclic') return this.width + 2 * this.config.periods.length;
    return this.width;
  }

  /**
   * @param x inputs (batch × T × width)
   * @param time absolute timestamps (batch × T) for cyclic clocks; defaults to the step index
   */
  apply(x: tf.Tensor3D, time?: tf.Tensor2D): tf.Tensor3D {
    const [batch, len, width] = x.shape;
    const c = this.config;
    switch (c.type) {
      case 'none':
        return x;
      case 'sinusoidal':
        return tf.add<tf.Tensor3D>(x, tf.tensor3d(sinusoidalTable(len, width), [1, len, width]));
      case 'concat': {
        const pos = tf.broadcastTo(tf.tensor3d(concatPositions(len), [1, len, 1]), [batch, len, 1]);
        return tf.concat<tf.Tensor3D>([x, pos as tf.Tensor3D], 2);
      }
      case 'learned': {
        if (len > c.maxLen) {
          throw new EngineError(
            'position-out-of-range',
            `Sequence length ${len} exceeds the learned position table (max ${c.maxLen}): no embedding exists for positions ${c.maxLen + 1}–${len}`,
          );
        }
        const table = tf.slice(this.vars.get('pos.E')!, [0, 0], [len, width]);
        return tf.add<tf.Tensor3D>(x, tf.expandDims(table, 0));
      }
      case 'cyclic': {
        const t = time ?? tf.broadcastTo(tf.range(0, len, 1, 'float32').reshape([1, len]), [batch, len]);
        const phases = c.periods.map((p) => tf.mul(t, (2 * Math.PI) / p));
        const feats = phases.flatMap((ph) => [tf.sin(ph), tf.cos(ph)]).map((f) => tf.expandDims(f, 2));
        return tf.concat<tf.Tensor3D>([x, ...(feats as tf.Tensor3D[])], 2);
      }
    }
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
  }
}
