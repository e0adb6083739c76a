import { SequenceModel } from '../../engine/models/sequence-model.js';
import { weightIdentity } from '../../engine/probes.js';
import { lineChart } from '../toolkit.js';
import type { Recipe } from '../types.js';

/** The page's demonstrate_weight_identity: which tensor each step used. */
export const weightIdentityRecipe: Recipe = {
  name: 'weight-identity',
  title: 'Weight identity across steps',
  claim: 'Every call of the shared cell uses the SAME W_ih and W_hh (same object, same values) at all 10 timesteps; the unshared model uses a distinct tensor per step.',
  async run(ctx) {
    const cfg = { hidden: 8, maxLen: 10, seed: ctx.seed, input: { type: 'features' as const, size: 4 }, head: { type: 'classify' as const, classes: 2 } };
    const shared = new SequenceModel({ ...cfg, kind: 'shared' });
    const unshared = new SequenceModel({ ...cfg, kind: 'unshared' });
    try {
      const s = weightIdentity(shared, 10);
      const u = weightIdentity(unshared, 10);
      const ok = s.shared && s.distinctRecurrentTensors === 1 && !u.shared && u.distinctRecurrentTensors === 10;
      return {
        reproduced: ok,
        reason: `shared: ${s.distinctRecurrentTensors} distinct W_hh tensor over 10 steps (id ${s.steps[0].ids[1]} every step, checksum ${s.steps[0].checksum.toFixed(5)}); unshared: ${u.distinctRecurrentTensors} distinct W_hh tensors`,
        values: { shared: s, unshared: u },
        table: {
          columns: ['step', 'shared W_hh id', 'shared Σ W_hh', 'unshared W_hh id', 'unshared Σ W_hh'],
          rows: s.steps.map((st, t) => [t + 1, st.ids[1], Number(st.checksum.toFixed(6)), u.steps[t].ids[1], Number(u.steps[t].checksum.toFixed(6))]),
        },
        charts: [
          lineChart('checksums', 'Σ W_hh used at each step', 'step', 'sum of W_hh', {
            shared: s.steps.map((st) => [st.step + 1, st.checksum]),
            unshared: u.steps.map((st) => [st.step + 1, st.checksum]),
          }),
        ],
      };
    } finally {
      shared.dispose();
      unshared.dispose();
    }
  },
};
