import * as tf from '@tensorflow/tfjs';
import type { CellSpec } from './types.js';

/** Elman cell: h_t = tanh(W_xh x_t + W_hh h_{t-1} + b), the page's g_θ(h, x). */
export const tanhCell: CellSpec = {
  kind: 'tanh',
  gates: 1,
  hasMemory: false,
  step: (xp, hp) => ({ h: tf.tanh(tf.add<tf.Tensor2D>(xp, hp)) }),
};
