import { conv2dParams, countTensors, paramTable, recurrentParams } from '../../engine/params.js';
import { SharedRNN } from '../../engine/models/shared-rnn.js';
import { UnsharedRNN } from '../../engine/models/unshared-rnn.js';
import { createRng } from '../../engine/random.js';
import { lineChart } from '../toolkit.js';
import type { Recipe } from '../types.js';

/** The page's table for n = 128, d = 256, with counts from real tensors where they fit in memory. */
export const paramTableRecipe: Recipe = {
  name: 'param-table',
  title: 'Parameter count: shared vs unshared',
  claim: 'Unshared: T·d(d+n+1) parameters (985,600 / 9,856,000 / 98,560,000 at T = 10 / 100 / 1000); shared: d(d+n+1) = 98,560 at every T; ratio T:1. nn.RNN counts 98,816; Conv2d(3,16,3) 448.',
  async run(ctx) {
    const n = 128;
    const d = 256;
    const table = paramTable(n, d, [10, 100, 1000]);
    // build the real models (T = 1000 only at full size: 394 MB of float32)
    const built: Record<string, number> = {};
    const opts = { cell: 'tanh' as const, input: n, hidden: d, biases: 'single' as const, init: 'page' as const };
    const shared = new SharedRNN(opts, createRng(ctx.seed));
    built.shared = countTensors(shared.vars.values());
    shared.dispose();
    for (const T of ctx.full ? [10, 100, 1000] : [10, 100]) {
      const un = new UnsharedRNN({ ...opts, maxLen: T }, createRng(ctx.seed));
      built[`unshared T=${T}`] = countTensors(un.vars.values());
      un.dispose();
    }
    const expected = { 10: 985_600, 100: 9_856_000, 1000: 98_560_000 } as Record<number, number>;
    const rowsOk = table.rows.every((r) => r.shared === 98_560 && r.unshared === expected[r.length] && r.ratio === r.length);
    const tensorsOk = built.shared === 98_560 && Object.entries(built).every(([k, v]) => !k.startsWith('unshared') || v === expected[Number(k.split('=')[1])]);
    const torch = recurrentParams('tanh', n, d, 'pytorch');
    const conv = conv2dParams(3, 16, 3);
    const ok = rowsOk && tensorsOk && torch === 98_816 && conv === 448;
    return {
      reproduced: ok,
      reason: ok
        ? `closed form and real tensors agree with the page: shared 98,560 at every T, unshared ${table.rows.map((r) => r.unshared.toLocaleString('en-US')).join(' / ')}, ratio T:1; nn.RNN ${torch.toLocaleString('en-US')}; Conv2d ${conv}`
        : `counts differ from the page: ${JSON.stringify({ rows: table.rows, built, torch, conv })}`,
      values: { rows: table.rows, fromTensors: built, torchTwoBiases: torch, conv2d_3_16_3: conv },
      table: { columns: ['T', 'shared d(d+n+1)', 'unshared T·d(d+n+1)', 'ratio'], rows: table.rows.map((r) => [r.length, r.shared, r.unshared, `${r.ratio}:1`]) },
      charts: [
        lineChart('params', 'Parameters vs maximum length', 'T (max sequence length)', 'parameters', { unshared: table.rows.map((r) => [r.length, r.unshared]), shared: table.rows.map((r) => [r.length, r.shared]) }, { x: { label: 'T (max sequence length)', log: true }, y: { label: 'parameters', log: true } }),
      ],
    };
  },
};
