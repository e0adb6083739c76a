import * as tf from '@tensorflow/tfjs';
import { SharedRNN } from '../../engine/models/shared-rnn.js';
import { createRng } from '../../engine/random.js';
import { lineChart } from '../toolkit.js';
import type { Recipe } from '../types.js';

/** The page's analyze_gradient_flow: nn.RNN(8, 16), loss = sum of all outputs. */
export const gradientFlowRecipe: Recipe = {
  name: 'gradient-flow',
  title: 'Gradient accumulation through shared weights',
  claim: 'Shared weights aggregate gradients from every timestep: ∂L/∂W_hh = Σ_t ∂L/∂W_hh^(t), so gradient norms grow with sequence length (10 → 50 → 100 → 200).',
  async run(ctx) {
    const lengths = [10, 50, 100, 200];
    const rng = createRng(ctx.seed);
    const core = new SharedRNN({ cell: 'tanh', input: 8, hidden: 16, biases: 'pytorch', init: 'pytorch' }, rng);
    const w = core.weights;
    const rows = lengths.map((T) =>
      tf.tidy(() => {
        const x = tf.tensor3d(Float32Array.from({ length: T * 8 }, () => rng.normal()), [1, T, 8]);
        const { grads } = tf.variableGrads(() => tf.sum(core.forward(x)) as tf.Scalar, [w.W_hh, w.W_xh]);
        return { T, hh: tf.norm(grads[w.W_hh.name]).dataSync()[0], ih: tf.norm(grads[w.W_xh.name]).dataSync()[0] };
      }),
    );
    core.dispose();
    const growing = rows.every((r, i) => i === 0 || r.hh > rows[i - 1].hh);
    const ratio200 = rows[3].hh / rows[0].hh;
    const ok = growing && ratio200 > 2;
    return {
      reproduced: ok,
      reason: `‖∇W_hh‖ ${rows.map((r) => `T=${r.T}: ${r.hh.toFixed(2)}`).join(', ')}; ×${ratio200.toFixed(1)} from 10 to 200 steps (${growing ? 'growing at every step' : 'not monotone'})`,
      values: { rows, ratioToLength10: rows.map((r) => ({ T: r.T, W_hh: r.hh / rows[0].hh, W_ih: r.ih / rows[0].ih })) },
      table: { columns: ['T', '‖∇W_hh‖', '‖∇W_ih‖', 'W_hh ratio to T=10', 'W_ih ratio to T=10'], rows: rows.map((r) => [r.T, Number(r.hh.toFixed(4)), Number(r.ih.toFixed(4)), Number((r.hh / rows[0].hh).toFixed(2)), Number((r.ih / rows[0].ih).toFixed(2))]) },
      charts: [lineChart('flow', 'Gradient norm vs sequence length', 'sequence length', '‖∇‖', { 'W_hh': rows.map((r) => [r.T, r.hh]), 'W_ih': rows.map((r) => [r.T, r.ih]) })],
    };
  },
};
