import * as tf from '@tensorflow/tfjs';
import type { CellSpec } from './types.js';

/**
 * GRU in PyTorch's layout (gate blocks r, z, n):
 *   r = σ(xp_r + hp_r),  z = σ(xp_z + hp_z),  n = tanh(xp_n + r ⊙ hp_n),
 *   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
 * PyTorch puts b_hn inside the reset gate's product, which is why hp carries b_hh.
 */
export const gruCell: CellSpec = {
  kind: 'gru',
  gates: 3,
  hasMemory: false,
  step(xp, hp, state) {
    const [xr, xz, xn] = tf.split(xp, 3, 1) as tf.Tensor2D[];
    const [hr, hz, hn] = tf.split(hp, 3, 1) as tf.Tensor2D[];
    const r = tf.sigmoid(tf.add(xr, hr));
    const z = tf.sigmoid(tf.add(xz, hz));
    const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
    // (1 − z)·n + z·h  ==  n + z·(h − n)
    return { h: tf.add(n, tf.mul(z, tf.sub(state.h, n))) };
  },
};
