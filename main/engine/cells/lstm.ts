import * as tf from '@tensorflow/tfjs';
import type { CellSpec } from './types.js';

/**
 * LSTM in PyTorch's layout (gate blocks i, f, g, o):
 *   c_t = σ(f) ⊙ c_{t−1} + σ(i) ⊙ tanh(g),   h_t = σ(o) ⊙ tanh(c_t)
 */
export const lstmCell: CellSpec = {
  kind: 'lstm',
  gates: 4,
  hasMemory: true,
  step(xp, hp, state) {
    const [i, f, g, o] = tf.split(tf.add(xp, hp), 4, 1) as tf.Tensor2D[];
    const c: tf.Tensor2D = tf.add(tf.mul(tf.sigmoid(f), state.c!), tf.mul(tf.sigmoid(i), tf.tanh(g)));
    return { h: tf.mul(tf.sigmoid(o), tf.tanh(c)), c };
  },
};
