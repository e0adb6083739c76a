import * as tf from '@tensorflow/tfjs';
import { SequenceTooLongError } from '../../engine/errors.js';
import { SequenceModel } from '../../engine/models/sequence-model.js';
import { createRng } from '../../engine/random.js';
import type { Recipe } from '../types.js';

function run(model: SequenceModel, len: number, seed: number): { ok: true; shape: number[] } | { ok: false; error: string } {
  const rng = createRng(seed + len);
  try {
    return tf.tidy(() => {
      const x = tf.tensor3d(Float32Array.from({ length: len * 128 }, () => rng.normal()), [1, len, 128]);
      const states = model.core.forward(x, { inference: true });
      return { ok: true as const, shape: states.shape };
    });
  } catch (e) {
    if (e instanceof SequenceTooLongError) return { ok: false, error: e.message };
    throw e;
  }
}

/** The page's compare_parameter_counts demo: lengths 150 and 1000 through both models. */
export const lengthLimitRecipe: Recipe = {
  name: 'length-limit',
  title: 'Length limit: no weights past T',
  claim: 'A network trained on sequences up to length T has no weights for position T+1: the unshared RNN (max 100) refuses length 150, the shared RNN processes 150 and 1000.',
  async run(ctx) {
    const base = { hidden: 256, init: 'page' as const, seed: ctx.seed, input: { type: 'features' as const, size: 128 }, head: { type: 'classify' as const, classes: 2 } };
    const shared = new SequenceModel({ ...base, kind: 'shared' });
    const unshared = new SequenceModel({ ...base, kind: 'unshared', maxLen: 100 });
    try {
      const s150 = run(shared, 150, ctx.seed);
      const s1000 = run(shared, 1000, ctx.seed);
      const u150 = run(unshared, 150, ctx.seed);
      const ok = s150.ok && s1000.ok && !u150.ok && u150.error.startsWith('Sequence length 150 exceeds max 100');
      return {
        reproduced: ok,
        reason: ok
          ? `shared processed length 150 and 1000; unshared refused 150: "${!u150.ok ? u150.error : ''}"`
          : `unexpected: shared 150 ${s150.ok}, shared 1000 ${s1000.ok}, unshared 150 ${u150.ok ? 'ran' : 'refused'}`,
        values: { shared150: s150, shared1000: s1000, unshared150: u150, sharedParams: shared.core.paramCount(), unsharedParams: unshared.core.paramCount() },
        table: {
          columns: ['model', 'length 150', 'length 1000'],
          rows: [
            ['shared (98,560 params)', s150.ok ? 'processed' : 'refused', s1000.ok ? 'processed' : 'refused'],
            ['unshared max 100 (9,856,000 params)', u150.ok ? 'processed' : u150.error, 'refused (past max)'],
          ],
        },
        charts: [],
      };
    } finally {
      shared.dispose();
      unshared.dispose();
    }
  },
};
