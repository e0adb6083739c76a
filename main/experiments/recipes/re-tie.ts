import * as tf from '@tensorflow/tfjs';
import { SequenceModel } from '../../engine/models/sequence-model.js';
import type { UnsharedRNN } from '../../engine/models/unshared-rnn.js';
import { accuracy, fit, lineChart, pct, taskIO, taskItems } from '../toolkit.js';
import type { Recipe } from '../types.js';

/** How far the unshared per-step weights drift from their mean, and what tying them back costs. */
export const reTieRecipe: Recipe = {
  name: 're-tie',
  title: 'Re-tie: unshared weights pulled back to their mean',
  claim: 'Trained without sharing, the per-step weights drift apart (‖W_t − W̄‖ > 0, cosine similarity between steps < 1); replacing every W_t by the mean W̄ gives a shared model whose accuracy shows how much of the learning was position-specific.',
  beyondPage: true,
  async run(ctx) {
    const L = 10;
    const io = taskIO('keyword');
    const train = taskItems('keyword', { count: ctx.full ? 3000 : 1200, minLen: L, maxLen: L, seed: ctx.seed });
    const test = taskItems('keyword', { count: 400, minLen: L, maxLen: L, seed: ctx.seed + 1 });
    const cfg = { ...io, kind: 'unshared' as const, cell: 'gru' as const, hidden: 24, maxLen: L, seed: ctx.seed };
    const model = fit(cfg, train, { epochs: 5, lr: 0.01, clip: 1, seed: ctx.seed });
    const before = accuracy(model, test)!;
    const core = model.core as UnsharedRNN;
    const { drift, cosine } = tf.tidy(() => {
      const flat = core.steps.map((w) => tf.concat([tf.reshape(w.W_xh, [-1]), tf.reshape(w.W_hh, [-1])]));
      const mean = tf.div(tf.addN(flat), flat.length);
      const d = flat.map((v) => tf.norm(tf.sub(v, mean)).dataSync()[0] / tf.norm(mean).dataSync()[0]);
      const stacked = tf.stack(flat);
      const unit = tf.div(stacked, tf.norm(stacked, 'euclidean', 1, true));
      const cos = tf.matMul(unit, unit, false, true).arraySync() as number[][];
      return { drift: d, cosine: cos };
    });
    // tie: every step's weights replaced by their mean over the steps
    const weights = model.getWeights();
    const tiedWeights = { ...weights };
    for (const role of ['W_xh', 'W_hh', 'b_h']) {
      const steps = Array.from({ length: L }, (_, t) => weights[`${role}@${t}`]);
      const mean = new Float32Array(steps[0].values.length);
      for (const w of steps) w.values.forEach((v, i) => (mean[i] += v / L));
      for (let t = 0; t < L; t++) tiedWeights[`${role}@${t}`] = { shape: steps[0].shape, values: mean };
    }
    const tied = new SequenceModel(cfg);
    tied.setWeights(tiedWeights);
    const after = accuracy(tied, test)!;
    tied.dispose();
    model.dispose();
    const offDiag = cosine.flatMap((row, i) => row.filter((_, j) => j !== i));
    const meanCos = offDiag.reduce((a, b) => a + b, 0) / offDiag.length;
    const ok = Math.min(...drift) > 0 && meanCos < 0.999;
    return {
      reproduced: ok,
      reason: `relative drift ‖W_t − W̄‖/‖W̄‖ from ${Math.min(...drift).toFixed(3)} to ${Math.max(...drift).toFixed(3)}; mean cosine between steps ${meanCos.toFixed(3)}; accuracy ${pct(before)} unshared → ${pct(after)} re-tied`,
      values: { drift, cosine, meanCosine: meanCos, accuracyUnshared: before, accuracyReTied: after },
      charts: [
        lineChart('drift', 'Relative drift of each step from the mean', 'step t', '‖W_t − W̄‖ / ‖W̄‖', { drift: drift.map((d, t) => [t, d]) }),
        { id: 'cosine', title: 'Cosine similarity between per-step weights', type: 'heatmap', x: { label: 'step', log: false }, y: { label: 'step', log: false }, series: [], heat: { rows: cosine.map((_, i) => String(i)), columns: cosine.map((_, i) => String(i)), values: cosine } },
      ],
    };
  },
};
