import type { CellKind } from '../../contract.js';
import { accuracy, fit, lineChart, pct, taskIO, taskItems } from '../toolkit.js';
import type { Recipe } from '../types.js';

/** Pearson correlation: how strongly the gradient norm follows the batch's sequence length. */
function correlation(xs: number[], ys: number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * (ys[i] - my);
    sxx += (x - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

const tail = (xs: number[], n = 20) => xs.slice(-n).reduce((a, b) => a + b, 0) / Math.min(n, xs.length);

/** The page's practical fixes, each measured on its own: clipping, length-normalised loss, gating. */
export const practicalStrategiesRecipe: Recipe = {
  name: 'practical-strategies',
  title: 'Practical strategies: clipping, length-normalised loss, gating',
  claim: 'Gradient pathologies accumulate across timesteps through shared weights: clipping keeps updates bounded, a length-normalised loss stops long sequences from dominating, and gated cells carry information further.',
  async run(ctx) {
    const seed = ctx.seed;
    // 1. clipping: a plain tanh RNN, plain SGD at lr 2 on adding sequences of 50–100 steps
    const adding = taskItems('adding', { count: ctx.full ? 1600 : 800, minLen: 50, maxLen: 100, seed });
    const addIO = taskIO('adding');
    const clipRuns = Object.fromEntries(
      ([['off', undefined], ['1.0', 1]] as const).map(([label, clip]) => {
        const norms: number[] = [];
        const losses: number[] = [];
        const m = fit({ ...addIO, kind: 'shared', cell: 'tanh', hidden: 32, seed }, adding, { epochs: 2, lr: 2, optimizer: 'sgd', clip, seed, onStep: (_s, l, g) => (norms.push(g), losses.push(l)) });
        m.dispose();
        const applied = clip === undefined ? norms : norms.map((g) => Math.min(g, clip));
        return [label, { gradNorms: norms, appliedMax: Math.max(...applied), finite: losses.every(Number.isFinite), finalLoss: tail(losses) }];
      }),
    );
    // 2. loss normalisation: does the gradient norm follow the batch's length? (keyword, lengths 5–60)
    const variable = taskItems('keyword', { count: 600, minLen: 5, maxLen: 60, seed: seed + 1 });
    const kwIO = taskIO('keyword');
    const normRuns = Object.fromEntries(
      (['mean', 'length-normalized'] as const).map((loss) => {
        const norms: number[] = [];
        const lengths: number[] = [];
        const m = fit({ ...kwIO, kind: 'shared', cell: 'gru', hidden: 24, seed }, variable, { epochs: 2, lr: 0.01, loss, seed, onStep: (_s, _l, g, len) => (norms.push(g), lengths.push(len)) });
        m.dispose();
        return [loss, { correlation: correlation(lengths, norms), meanNorm: norms.reduce((a, b) => a + b, 0) / norms.length }];
      }),
    );
    // 3. gating: recall the first of 20–40 tokens — information must survive every step
    const recallTrain = taskItems('recall', { count: ctx.full ? 3000 : 1500, minLen: 10, maxLen: 25, seed: seed + 2 });
    const recallTest = taskItems('recall', { count: 400, minLen: 10, maxLen: 25, seed: seed + 3 });
    const rcIO = taskIO('recall');
    const gating = Object.fromEntries(
      (['tanh', 'gru', 'lstm'] as CellKind[]).map((cell) => {
        const m = fit({ ...rcIO, kind: 'shared', cell, hidden: 32, seed }, recallTrain, { epochs: ctx.full ? 10 : 6, lr: 0.01, clip: 1, seed });
        const a = accuracy(m, recallTest)!;
        m.dispose();
        return [cell, a];
      }),
    );
    const clipOk = clipRuns['1.0'].appliedMax <= 1 + 1e-6 && clipRuns.off.appliedMax > 1 && clipRuns['1.0'].finalLoss < clipRuns.off.finalLoss;
    const gateOk = Math.max(gating.gru, gating.lstm) > gating.tanh + 0.1;
    const normOk = normRuns['length-normalized'].correlation < normRuns.mean.correlation;
    return {
      reproduced: clipOk && gateOk,
      reason:
        `clipping (tanh, SGD lr 2, 50–100 steps): largest update norm ${clipRuns.off.appliedMax.toFixed(2)} and final loss ${clipRuns.off.finalLoss.toFixed(3)} without, ${clipRuns['1.0'].appliedMax.toFixed(2)} and ${clipRuns['1.0'].finalLoss.toFixed(3)} with clip 1; ` +
        `correlation of gradient norm with batch length: mean loss ${normRuns.mean.correlation.toFixed(2)}, length-normalised ${normRuns['length-normalized'].correlation.toFixed(2)}${normOk ? '' : ' (not lower here)'}; ` +
        `recall of the first of 10–25 tokens: tanh ${pct(gating.tanh)}, GRU ${pct(gating.gru)}, LSTM ${pct(gating.lstm)} (chance 25%)`,
      values: { lengthNormalisationDecouples: normOk, clipping: Object.fromEntries(Object.entries(clipRuns).map(([k, v]) => [k, { appliedMax: v.appliedMax, finite: v.finite, finalLoss: v.finalLoss }])), lossNormalisation: normRuns, gating },
      table: {
        columns: ['strategy', 'setting', 'measured'],
        rows: [
          ['gradient clipping', 'off', `max update norm ${clipRuns.off.appliedMax.toFixed(2)}`],
          ['gradient clipping', 'global norm 1', `max update norm ${clipRuns['1.0'].appliedMax.toFixed(2)}`],
          ['loss', 'mean', `corr(‖g‖, length) ${normRuns.mean.correlation.toFixed(2)}`],
          ['loss', 'length-normalised', `corr(‖g‖, length) ${normRuns['length-normalized'].correlation.toFixed(2)}`],
          ['cell', 'tanh', pct(gating.tanh)],
          ['cell', 'GRU', pct(gating.gru)],
          ['cell', 'LSTM', pct(gating.lstm)],
        ],
      },
      charts: [
        { ...lineChart('clip', 'Gradient norm per step, tanh RNN, SGD at lr 2', 'step', '‖g‖', { 'no clipping': clipRuns.off.gradNorms.map((g, i) => [i + 1, g]), 'clip 1 (before clipping)': clipRuns['1.0'].gradNorms.map((g, i) => [i + 1, g]) }), y: { label: '‖g‖', log: true } },
      ],
    };
  },
};
