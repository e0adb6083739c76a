import type * as tf from '@tensorflow/tfjs';
import type { CellKind } from '../../contract.js';

/** Recurrent state after a step: h for every cell, c (the memory cell) for LSTM only. */
export interface CellState {
  h: tf.Tensor2D;
  c?: tf.Tensor2D;
}

/**
 * One recurrent cell in PyTorch's conventions. Weights stack `gates` blocks of d rows:
 * W_xh is (gates·d × n), W_hh is (gates·d × d), so the parameter count is gates·d(n+d+biases).
 */
export interface CellSpec {
  kind: CellKind;
  /** 1 for tanh, 3 for GRU (r, z, n), 4 for LSTM (i, f, g, o) */
  gates: number;
  /** whether the state carries an LSTM memory cell c */
  hasMemory: boolean;
  /**
   * The state update given the two projections of this step:
   * xp = x_t W_xh^T + b_ih and hp = h_{t-1} W_hh^T + b_hh, both (batch × gates·d).
   * They stay separate because GRU's candidate gates only the recurrent part: n = tanh(xp_n + r ⊙ hp_n).
   */
  step(xp: tf.Tensor2D, hp: tf.Tensor2D, state: CellState): CellState;
}
