import * as tf from '@tensorflow/tfjs';
import type { CellKind } from '../../contract.js';
import { SharedRNN } from '../../engine/models/shared-rnn.js';
import { createRng } from '../../engine/random.js';
import { barChart } from '../toolkit.js';
import type { Recipe } from '../types.js';

const T = 20;

/**
 * Two measures per input step t, loss = sum of the last output:
 * - the page's bars: ‖∇W_hh‖ when the only non-zero input sits at step t;
 * - the input's reach: ‖∂L/∂x_t‖ with inputs at every step — how much step t still moves the loss.
 */
function measure(cell: CellKind, seed: number): { bars: number[]; reach: number[] } {
  const rng = createRng(seed);
  const core = new SharedRNN({ cell, input: 4, hidden: 8, biases: 'pytorch', init: 'pytorch' }, rng);
  const vecs = Array.from({ length: T }, () => Array.from({ length: 4 }, () => rng.normal()));
  const lastSum = (x: tf.Tensor) => tf.sum(tf.slice(core.forward(x as tf.Tensor3D), [0, T - 1, 0], [1, 1, -1])) as tf.Scalar;
  const bars = vecs.map((v, t) =>
    tf.tidy(() => {
      const x = tf.tensor3d([Array.from({ length: T }, (_, s) => (s === t ? v : [0, 0, 0, 0]))]);
      const { grads } = tf.variableGrads(() => lastSum(x), [core.weights.W_hh]);
      return tf.norm(grads[core.weights.W_hh.name]).dataSync()[0];
    }),
  );
  const reach = tf.tidy(() => {
    const g = tf.grad(lastSum)(tf.tensor3d([vecs]));
    return Array.from(tf.norm(g, 'euclidean', 2).dataSync()); // one norm per step
  });
  core.dispose();
  return { bars, reach };
}

export const vanishingGradientsRecipe: Recipe = {
  name: 'vanishing-gradients',
  title: 'Per-timestep gradient contributions',
  claim: 'Recent inputs contribute more to the gradient than early ones (vanishing gradients through the shared tanh cell); gating (GRU/LSTM) is a practical fix.',
  async run(ctx) {
    const cells: CellKind[] = ['tanh', 'gru', 'lstm'];
    const m = Object.fromEntries(cells.map((c) => [c, measure(c, ctx.seed)]));
    const last = (xs: number[]) => xs[T - 1] / Math.max(xs[0], 1e-30);
    const reach = Object.fromEntries(cells.map((c) => [c, last(m[c].reach)]));
    const bars = Object.fromEntries(cells.map((c) => [c, last(m[c].bars)]));
    const vanishes = reach.tanh > 2;
    const gatedKeepsMore = reach.gru < reach.tanh || reach.lstm < reach.tanh;
    const f = (v: number) => (v >= 1000 ? v.toExponential(1) : v.toFixed(2));
    return {
      reproduced: vanishes,
      reason:
        `‖∂L/∂x_t‖ of the last input over the first: tanh ×${f(reach.tanh)}, GRU ×${f(reach.gru)}, LSTM ×${f(reach.lstm)} — recent inputs ${vanishes ? 'do' : 'do not'} dominate, and ${gatedKeepsMore ? 'a gated cell keeps more of the early inputs' : 'at this random (untrained) init the gated cells forget as fast or faster'}. ` +
        `The page's own bars (‖∇W_hh‖, input only at t) are nearly flat here (last/first: tanh ×${bars.tanh.toFixed(2)}): the bias-driven states dominate that gradient.`,
      values: { inputReach: Object.fromEntries(cells.map((c) => [c, m[c].reach])), pageBars: Object.fromEntries(cells.map((c) => [c, m[c].bars])), lastOverFirst: { reach, bars } },
      charts: [
        { ...barChart('reach', '‖∂L/∂x_t‖: how much each input step still moves the loss', 'timestep t', '‖∂L/∂x_t‖', Object.fromEntries(cells.map((c) => [c, m[c].reach.map((v, t) => [t, v] as [number, number])]))), y: { label: '‖∂L/∂x_t‖', log: true } },
        barChart('bars', "The page's bars: ‖∇W_hh‖ with the only input at step t", 'timestep t', '‖∇W_hh‖', Object.fromEntries(cells.map((c) => [c, m[c].bars.map((v, t) => [t, v] as [number, number])]))),
      ],
    };
  },
};
