import { accuracy, barChart, bootstrapMean, fit, taskIO, taskItems } from '../toolkit.js';
import type { Recipe } from '../types.js';

/** Shared and unshared from the same seed and batch order, over k seeds: the paired difference with a bootstrap band. */
export const twinRunsRecipe: Recipe = {
  name: 'twin-runs',
  title: 'Twin runs: paired shared − unshared',
  claim: 'Over repeated seeds, with the same data, initial seed and batch order for both, shared weights beat unshared on a keyword-at-any-position task, and the 95% band of the paired difference excludes 0.',
  beyondPage: true,
  async run(ctx) {
    const k = ctx.full ? 10 : 4;
    const L = 12;
    const io = taskIO('keyword');
    const pairs = Array.from({ length: k }, (_, i) => {
      const seed = ctx.seed + 100 * (i + 1);
      const train = taskItems('keyword', { count: 300, minLen: L, maxLen: L, seed });
      const test = taskItems('keyword', { count: 400, minLen: L, maxLen: L, seed: seed + 1 });
      const opts = { epochs: 8, lr: 0.01, clip: 1, seed };
      const s = fit({ ...io, kind: 'shared', cell: 'gru', hidden: 16, seed }, train, opts);
      const u = fit({ ...io, kind: 'unshared', cell: 'gru', hidden: 16, maxLen: L, seed }, train, opts);
      const row = { seed, shared: accuracy(s, test)!, unshared: accuracy(u, test)! };
      s.dispose();
      u.dispose();
      return row;
    });
    const band = bootstrapMean(pairs.map((p) => p.shared - p.unshared), ctx.seed);
    const ok = band.low > 0;
    return {
      reproduced: ok,
      reason: `paired difference shared − unshared over ${k} seeds: ${(100 * band.mean).toFixed(1)} points, 95% bootstrap band [${(100 * band.low).toFixed(1)}, ${(100 * band.high).toFixed(1)}]`,
      values: { pairs, difference: band },
      table: { columns: ['seed', 'shared', 'unshared', 'difference'], rows: pairs.map((p) => [p.seed, Number(p.shared.toFixed(3)), Number(p.unshared.toFixed(3)), Number((p.shared - p.unshared).toFixed(3))]) },
      charts: [
        barChart('pairs', 'Test accuracy per seed (same data, init seed and batch order)', 'seed', 'accuracy', {
          shared: pairs.map((p) => [String(p.seed), p.shared]),
          unshared: pairs.map((p) => [String(p.seed), p.unshared]),
        }),
      ],
    };
  },
};
