import { accuracy, barChart, fit, pct, taskIO, taskItems } from '../toolkit.js';
import type { Recipe } from '../types.js';

/** 'the' at position 5 in training, position 7 at test: the keyword's training and test positions are disjoint. */
export const positionTransferRecipe: Recipe = {
  name: 'position-transfer',
  title: 'Positional transfer',
  claim: 'If a word appears at position 5 in training but position 7 at test time, the unshared weights at position 7 never saw gradients from it; shared weights transfer what they learned to every position.',
  async run(ctx) {
    const L = 10;
    const train = taskItems('keyword', { count: ctx.full ? 4000 : 1500, minLen: L, maxLen: L, seed: ctx.seed, positions: [5] });
    const test = taskItems('keyword', { count: 500, minLen: L, maxLen: L, seed: ctx.seed + 1, positions: [7] });
    const same = taskItems('keyword', { count: 500, minLen: L, maxLen: L, seed: ctx.seed + 2, positions: [5] });
    const io = taskIO('keyword');
    const opts = { epochs: ctx.full ? 8 : 5, lr: 0.01, clip: 1, seed: ctx.seed };
    const shared = fit({ ...io, kind: 'shared', cell: 'gru', hidden: 32, seed: ctx.seed }, train, opts);
    const unshared = fit({ ...io, kind: 'unshared', cell: 'gru', hidden: 32, maxLen: L, seed: ctx.seed }, train, opts);
    const r = {
      sharedTrainPos: accuracy(shared, same)!,
      sharedTestPos: accuracy(shared, test)!,
      unsharedTrainPos: accuracy(unshared, same)!,
      unsharedTestPos: accuracy(unshared, test)!,
    };
    shared.dispose();
    unshared.dispose();
    const ok = r.sharedTestPos >= 0.8 && r.unsharedTestPos <= 0.7 && r.unsharedTrainPos >= 0.9;
    return {
      reproduced: ok,
      reason: `keyword moved from position 5 to 7: shared ${pct(r.sharedTrainPos)} → ${pct(r.sharedTestPos)}, unshared ${pct(r.unsharedTrainPos)} → ${pct(r.unsharedTestPos)} (chance 50%)`,
      values: r,
      table: { columns: ['model', 'keyword at 5 (trained)', 'keyword at 7 (never seen)'], rows: [['shared', r.sharedTrainPos, r.sharedTestPos], ['unshared', r.unsharedTrainPos, r.unsharedTestPos]].map(([m, a, b]) => [m as string, Number((a as number).toFixed(3)), Number((b as number).toFixed(3))]) },
      charts: [
        barChart('transfer', 'Accuracy by keyword position', 'keyword position', 'accuracy', {
          shared: [['position 5 (train)', r.sharedTrainPos], ['position 7 (test)', r.sharedTestPos]],
          unshared: [['position 5 (train)', r.unsharedTrainPos], ['position 7 (test)', r.unsharedTestPos]],
        }),
      ],
    };
  },
};
