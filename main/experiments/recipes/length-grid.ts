import type { ModelConfigInput } from '../../contract.js';
import { SequenceModel } from '../../engine/models/sequence-model.js';
import { lengthCurve } from '../../runs/evaluate.js';
import { fit, taskIO, taskItems } from '../toolkit.js';
import type { Recipe } from '../types.js';

const POLICIES = ['refuse', 'reuse-last', 'mean'] as const;

/** Accuracy over train-length × test-length; the unshared model past its length under each named policy. */
export const lengthGridRecipe: Recipe = {
  name: 'length-grid',
  title: 'Length grid: train length × test length',
  claim: 'Shared weights generalise along the whole grid; the unshared model has nothing past its max length — and each way of filling that gap (reuse the last step, average the steps) is a choice the user names, not a silent default.',
  beyondPage: true,
  async run(ctx) {
    const trainLens = ctx.full ? [10, 20, 40] : [8, 16];
    const testLens = ctx.full ? [5, 10, 20, 40, 80] : [4, 8, 16, 32];
    const io = taskIO('keyword');
    const at = (L: number) => taskItems('keyword', { count: 200, minLen: L, maxLen: L, seed: ctx.seed + 3000 + L });
    const grid: Record<string, (number | null)[][]> = { shared: [], ...Object.fromEntries(POLICIES.map((p) => [`unshared (${p})`, []])) };
    for (const Ltrain of trainLens) {
      const items = taskItems('keyword', { count: ctx.full ? 2500 : 1200, minLen: Math.max(2, Ltrain / 2), maxLen: Ltrain, seed: ctx.seed + Ltrain });
      const opts = { epochs: 4, lr: 0.01, clip: 1, seed: ctx.seed };
      const info = { step: 0, trainedMax: Ltrain, metricName: 'accuracy' as const };
      const shared = fit({ ...io, kind: 'shared', cell: 'gru', hidden: 24, seed: ctx.seed }, items, opts);
      grid.shared.push(lengthCurve(shared, testLens, at, info).points.map((p) => p.metric));
      shared.dispose();
      const unsharedCfg: ModelConfigInput = { ...io, kind: 'unshared', cell: 'gru', hidden: 24, maxLen: Ltrain, seed: ctx.seed };
      const trained = fit(unsharedCfg, items, opts);
      for (const policy of POLICIES) {
        // the same trained weights, read under each policy
        const view = new SequenceModel({ ...unsharedCfg, beyondMax: policy });
        view.setWeights(trained.getWeights());
        grid[`unshared (${policy})`].push(lengthCurve(view, testLens, at, info).points.map((p) => (p.status === 'no-weights' ? null : p.metric)));
        view.dispose();
      }
      trained.dispose();
    }
    const beyond = (name: string) => grid[name].flatMap((row, i) => row.filter((_, j) => testLens[j] > trainLens[i]));
    const sharedBeyond = Math.min(...(beyond('shared') as number[]));
    const refused = beyond('unshared (refuse)').every((v) => v === null);
    const ok = refused && sharedBeyond >= 0.75;
    return {
      reproduced: ok,
      reason: `shared accuracy past the trained length ≥ ${(100 * sharedBeyond).toFixed(1)}% everywhere on the grid; unshared refuses past its max (${refused ? 'every cell' : 'not every cell'}); reuse-last reaches ${fmtMin(beyond('unshared (reuse-last)'))}, mean ${fmtMin(beyond('unshared (mean)'))} (worst cell)`,
      values: { trainLengths: trainLens, testLengths: testLens, grid },
      charts: Object.entries(grid).map(([name, values]) => ({
        id: `grid-${name}`,
        title: `${name}: accuracy`,
        type: 'heatmap' as const,
        x: { label: 'test length', log: false },
        y: { label: 'train length', log: false },
        series: [],
        heat: { rows: trainLens.map(String), columns: testLens.map(String), values },
      })),
    };
  },
};

function fmtMin(values: (number | null)[]): string {
  const v = values.filter((x): x is number => x !== null);
  return v.length ? `${(100 * Math.min(...v)).toFixed(1)}%` : 'n/a';
}
