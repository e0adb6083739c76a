/** The rest of the page's claims, and the recipes beyond the page, on their quick settings (wasm). */
import { describe, expect, it } from 'vitest';
import { useBackend } from '../helpers/backend.js';
import { quick } from '../helpers/experiments.js';

describe('more experiments (quick settings)', () => {
  useBackend('wasm');

  it('cyclic-features: clocks lower the held-out error on AirPassengers (12 months) and temperatures (365 days)', async () => {
    const r = await quick('cyclic-features');
    expect(r.reproduced).toBe(true);
    for (const row of r.values.rows as { with: number; without: number }[]) expect(row.with).toBeLessThan(row.without);
  });

  it('gradient-flow: ‖∇W_hh‖ grows with every longer sequence (10 → 200)', async () => {
    const r = await quick('gradient-flow');
    const rows = r.values.rows as { hh: number }[];
    expect(r.reproduced).toBe(true);
    rows.slice(1).forEach((row, i) => expect(row.hh).toBeGreaterThan(rows[i].hh));
  });

  it('vanishing-gradients: the last input moves the loss far more than the first through tanh', async () => {
    const r = await quick('vanishing-gradients');
    expect(r.reproduced).toBe(true);
    expect((r.values.lastOverFirst as { reach: Record<string, number> }).reach.tanh).toBeGreaterThan(100);
  });

  it('practical-strategies: clipping bounds the update and steadies the loss; a gated cell recalls what tanh cannot', async () => {
    const r = await quick('practical-strategies');
    expect(r.reproduced).toBe(true);
    const v = r.values as { clipping: Record<string, { appliedMax: number; finalLoss: number }>; gating: Record<string, number> };
    expect(v.clipping['1.0'].appliedMax).toBeLessThanOrEqual(1 + 1e-6);
    expect(v.clipping.off.appliedMax).toBeGreaterThan(1);
    expect(v.clipping['1.0'].finalLoss).toBeLessThan(v.clipping.off.finalLoss);
    expect(Math.max(v.gating.gru, v.gating.lstm)).toBeGreaterThan(v.gating.tanh + 0.1);
  });

  it('sentiment (quick: 12k phrases, one pass): SST-2 dev accuracy ≥ 0.70 with one shared GRU', async () => {
    const r = await quick('sentiment');
    expect(r.reproduced).toBe(true);
    expect(r.values.devAccuracy).toBeGreaterThanOrEqual(0.7);
  });

  it('length-grid: shared generalises across the grid; unshared refuses past its max unless a policy is named', async () => {
    const r = await quick('length-grid');
    expect(r.reproduced).toBe(true);
    const grid = r.values.grid as Record<string, (number | null)[][]>;
    expect(Object.keys(grid)).toEqual(['shared', 'unshared (refuse)', 'unshared (reuse-last)', 'unshared (mean)']);
    expect(grid['unshared (refuse)'][0].at(-1)).toBeNull();
    expect(grid['unshared (mean)'][0].at(-1)).not.toBeNull();
  });

  it('twin-runs: the paired difference shared − unshared has a 95% band above 0', async () => {
    const r = await quick('twin-runs');
    expect(r.reproduced).toBe(true);
    expect((r.values.difference as { low: number }).low).toBeGreaterThan(0);
  });

  it('re-tie: per-step weights drift apart; tying them to their mean is measured', async () => {
    const r = await quick('re-tie');
    expect(r.reproduced).toBe(true);
    expect(r.values.meanCosine as number).toBeLessThan(0.999);
    expect(r.values.accuracyReTied).toEqual(expect.any(Number));
  });

  it('time-shift: shifting the input moves the shared model’s answer less than the unshared one’s', async () => {
    const r = await quick('time-shift');
    expect(r.reproduced).toBe(true);
    const s = r.values.shared as number[];
    const u = r.values.unshared as number[];
    expect(s.slice(1).reduce((a, b) => a + b, 0)).toBeLessThan(u.slice(1).reduce((a, b) => a + b, 0));
  });
});
