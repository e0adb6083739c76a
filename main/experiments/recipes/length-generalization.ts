import { lengthCurve } from '../../runs/evaluate.js';
import { fit, lineChart, pct, taskIO, taskItems } from '../toolkit.js';
import type { Recipe } from '../types.js';

/** Train shared and unshared on short keyword sentences, evaluate far beyond the trained length. */
export const lengthGeneralizationRecipe: Recipe = {
  name: 'length-generalization',
  title: 'Length generalization',
  claim: 'A network trained on sequences up to length 50 has no weights for position 51 and cannot process longer sequences; the shared RNN applies the same transformation at any length.',
  async run(ctx) {
    const trainMax = ctx.full ? 50 : 20;
    const lengths = ctx.full ? [10, 25, 50, 75, 100, 150, 200] : [5, 10, 20, 40, 80];
    const items = taskItems('keyword', { count: ctx.full ? 6000 : 2000, minLen: 3, maxLen: trainMax, seed: ctx.seed });
    const io = taskIO('keyword');
    const fitOpts = { epochs: ctx.full ? 6 : 4, lr: 0.01, clip: 1, seed: ctx.seed };
    const shared = fit({ ...io, kind: 'shared', cell: 'gru', hidden: 32, seed: ctx.seed }, items, fitOpts);
    const unshared = fit({ ...io, kind: 'unshared', cell: 'gru', hidden: 32, maxLen: trainMax, seed: ctx.seed }, items, fitOpts);
    const at = (L: number) => taskItems('keyword', { count: 256, minLen: L, maxLen: L, seed: ctx.seed + 10_000 + L });
    const info = { step: 0, trainedMax: trainMax, metricName: 'accuracy' as const };
    const s = lengthCurve(shared, lengths, at, info);
    const u = lengthCurve(unshared, lengths, at, info);
    shared.dispose();
    unshared.dispose();
    const beyond = s.points.filter((p) => p.length > trainMax);
    const sharedBeyond = Math.min(...beyond.map((p) => p.metric ?? 0));
    const unsharedRefused = u.points.filter((p) => p.length > trainMax).every((p) => p.status === 'no-weights');
    const ok = unsharedRefused && sharedBeyond >= 0.75;
    return {
      reproduced: ok,
      reason: `beyond the trained length ${trainMax}: shared accuracy ≥ ${pct(sharedBeyond)} at every length up to ${lengths.at(-1)}; unshared ${unsharedRefused ? 'has no weights there' : 'ran'}`,
      values: { trainedMax: trainMax, shared: s.points, unshared: u.points },
      table: {
        columns: ['length', 'shared accuracy', 'unshared accuracy'],
        rows: s.points.map((p, i) => [p.length, p.metric === null ? null : Number(p.metric.toFixed(3)), u.points[i].status === 'no-weights' ? 'no weights' : Number(u.points[i].metric!.toFixed(3))]),
      },
      charts: [
        lineChart('curve', 'Accuracy vs sequence length', 'sequence length', 'accuracy', { shared: s.points.map((p) => [p.length, p.metric]), unshared: u.points.map((p) => [p.length, p.metric]) }, { shade: { from: 0, to: trainMax, label: 'trained lengths' } }),
      ],
    };
  },
};
