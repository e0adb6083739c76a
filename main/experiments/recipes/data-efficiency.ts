import { accuracy, fit, lineChart, pct, taskIO, taskItems } from '../toolkit.js';
import type { Recipe } from '../types.js';

/** Test accuracy vs training-set size on keyword-at-any-position: shared weights pool every position's signal. */
export const dataEfficiencyRecipe: Recipe = {
  name: 'data-efficiency',
  title: 'Data efficiency',
  claim: 'With shared weights every timestep of every sequence trains the same parameters; without sharing, each position sees only its own examples — "to learn that \'good\' is positive you need examples with \'good\' at every position".',
  async run(ctx) {
    const sizes = ctx.full ? [100, 300, 1000, 3000] : [100, 300, 1000];
    const target = 0.9;
    const L = 12;
    const test = taskItems('keyword', { count: 500, minLen: L, maxLen: L, seed: ctx.seed + 99 });
    const io = taskIO('keyword');
    const rows = sizes.map((n) => {
      const train = taskItems('keyword', { count: n, minLen: L, maxLen: L, seed: ctx.seed + n });
      // the same number of updates for every size, so only the data differs
      const epochs = Math.max(2, Math.round((ctx.full ? 6000 : 3000) / n));
      const opts = { epochs, lr: 0.01, clip: 1, seed: ctx.seed };
      const s = fit({ ...io, kind: 'shared', cell: 'gru', hidden: 24, seed: ctx.seed }, train, opts);
      const u = fit({ ...io, kind: 'unshared', cell: 'gru', hidden: 24, maxLen: L, seed: ctx.seed }, train, opts);
      const row = { n, shared: accuracy(s, test)!, unshared: accuracy(u, test)! };
      s.dispose();
      u.dispose();
      return row;
    });
    const need = (k: 'shared' | 'unshared') => rows.find((r) => r[k] >= target)?.n ?? null;
    // once both saturate (100 %) they tie; shared must never be behind, and must get there first
    const neverBehind = rows.every((r) => r.shared >= r.unshared - 0.005);
    const ok = neverBehind && (need('shared') ?? Infinity) < (need('unshared') ?? Infinity);
    return {
      reproduced: ok,
      reason: `${rows.map((r) => `n=${r.n}: shared ${pct(r.shared)} vs unshared ${pct(r.unshared)}`).join('; ')}; examples to reach ${pct(target)}: shared ${need('shared') ?? `> ${sizes.at(-1)}`}, unshared ${need('unshared') ?? `> ${sizes.at(-1)}`}`,
      values: { rows, target, examplesToTarget: { shared: need('shared'), unshared: need('unshared') } },
      table: { columns: ['training examples', 'shared accuracy', 'unshared accuracy'], rows: rows.map((r) => [r.n, Number(r.shared.toFixed(3)), Number(r.unshared.toFixed(3))]) },
      charts: [lineChart('efficiency', 'Test accuracy vs training-set size', 'training examples', 'accuracy', { shared: rows.map((r) => [r.n, r.shared]), unshared: rows.map((r) => [r.n, r.unshared]) }, { x: { label: 'training examples', log: true } })],
    };
  },
};
