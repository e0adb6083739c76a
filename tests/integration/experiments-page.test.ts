/** The page's claims, each checked in its direction on the recipe's quick setting (wasm). */
import { describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/backend.js';
import { quick } from '../helpers/experiments.js';

type Point = { length: number; status: string; metric: number | null };

describe('the page’s experiments (quick settings)', () => {
  useBackend('wasm');

  it('param-table: 98,560 shared at every T; 985,600 / 9,856,000 / 98,560,000 unshared; ratio T:1', async () => {
    const r = await quick('param-table');
    expect(r.reproduced).toBe(true);
    const v = r.values as { rows: { length: number; unshared: number; ratio: number }[]; fromTensors: Record<string, number> };
    expect(v.rows.map((x) => [x.length, x.unshared, x.ratio])).toEqual([[10, 985_600, 10], [100, 9_856_000, 100], [1000, 98_560_000, 1000]]);
    expect(v.fromTensors).toEqual({ shared: 98_560, 'unshared T=10': 985_600, 'unshared T=100': 9_856_000 });
  });

  it('length-limit: shared runs 150 and 1000; unshared (max 100) refuses 150 with the page’s error', async () => {
    const r = await quick('length-limit');
    expect(r.reproduced).toBe(true);
    expect((r.values.unshared150 as { error: string }).error).toBe('Sequence length 150 exceeds max 100: no weights exist for positions 101–150');
    expect((r.values.shared1000 as { shape: number[] }).shape).toEqual([1, 1000, 256]);
  });

  it('length-generalization: shared stays accurate past the trained length; unshared has no weights there', async () => {
    const r = await quick('length-generalization');
    expect(r.reproduced).toBe(true);
    const shared = r.values.shared as Point[];
    const unshared = r.values.unshared as Point[];
    for (const p of shared.filter((x) => x.length > 20)) expect(p.metric).toBeGreaterThanOrEqual(0.75);
    expect(unshared.filter((x) => x.length > 20).map((x) => x.status)).toEqual(['no-weights', 'no-weights']);
  });

  it('position-transfer: shared transfers from position 5 to 7, unshared falls to near chance', async () => {
    const r = await quick('position-transfer');
    const v = r.values as Record<string, number>;
    expect(r.reproduced).toBe(true);
    expect(v.sharedTestPos).toBeGreaterThanOrEqual(0.8);
    expect(v.unsharedTrainPos).toBeGreaterThanOrEqual(0.9);
    expect(v.unsharedTestPos).toBeLessThanOrEqual(0.7);
  });

  it('data-efficiency: shared is never behind, is ahead on little data, and reaches 90% with fewer examples', async () => {
    const r = await quick('data-efficiency');
    expect(r.reproduced).toBe(true);
    const rows = r.values.rows as { n: number; shared: number; unshared: number }[];
    for (const row of rows) expect(row.shared).toBeGreaterThanOrEqual(row.unshared - 0.005);
    expect(rows[0].shared - rows[0].unshared).toBeGreaterThan(0.2);
    const need = r.values.examplesToTarget as { shared: number; unshared: number | null };
    expect(need.shared).toBeLessThan(need.unshared ?? Infinity);
  });

  it('cnn-vs-rnn: the conv sees only its window, the RNN the whole past; both run any length', async () => {
    const r = await quick('cnn-vs-rnn');
    expect(r.reproduced).toBe(true);
    const w = r.values.window as Record<string, number>;
    expect(w.convNear).toBeGreaterThanOrEqual(0.9);
    expect(w.convFar).toBeLessThanOrEqual(0.65);
    expect(w.rnnFar).toBeGreaterThanOrEqual(0.9);
  });

  it('weight-identity: one W_hh for all 10 steps when shared, ten when not', async () => {
    const r = await quick('weight-identity');
    expect(r.reproduced).toBe(true);
    expect((r.values.shared as { distinctRecurrentTensors: number }).distinctRecurrentTensors).toBe(1);
    expect((r.values.unshared as { distinctRecurrentTensors: number }).distinctRecurrentTensors).toBe(10);
  });

  it('position-aware: output variance for identical inputs ≈ 0 without position features, clearly > 0 with them', async () => {
    const r = await quick('position-aware');
    expect(r.reproduced).toBe(true);
    const v = r.values.variance as Record<string, number>;
    expect(v.none).toBeLessThan(1e-3);
    expect(v.sinusoidal).toBeGreaterThan(10 * v.none);
    expect(v.learned).toBeGreaterThan(10 * v.none);
  });
});
