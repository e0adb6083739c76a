import * as tf from '@tensorflow/tfjs';
import type { SequenceItem } from '../../data/batches.js';
import { KEYWORD_IDS } from '../../data/tasks.js';
import { toPlainBatch } from '../../data/batches.js';
import { disposeBatch, tensorBatch } from '../../engine/batch.js';
import type { SequenceModel } from '../../engine/models/sequence-model.js';
import { createRng } from '../../engine/random.js';
import { fit, lineChart, taskIO, taskItems } from '../toolkit.js';
import type { Recipe } from '../types.js';

/** P(positive) for each item. */
function probabilities(model: SequenceModel, items: SequenceItem[]): number[] {
  const batch = tensorBatch(toPlainBatch(items));
  const p = tf.tidy(() => tf.softmax(model.output(batch, { inference: true }) as tf.Tensor2D).slice([0, 1], [-1, 1]).dataSync());
  disposeBatch(batch);
  return Array.from(p);
}

/** Shift every input by k steps (k filler words in front) and measure how much the answer moves. */
export const timeShiftRecipe: Recipe = {
  name: 'time-shift',
  title: 'Time shift',
  claim: 'The same transformation applies at every timestep: shifting a sentence by k steps leaves a shared model’s answer (nearly) unchanged; an unshared model meets the words with other weights and answers differently.',
  beyondPage: true,
  async run(ctx) {
    const L = 8;
    const maxShift = 6;
    const io = taskIO('keyword');
    // train on every position of a length-14 window so both models can read shifted input
    const train = taskItems('keyword', { count: ctx.full ? 3000 : 1500, minLen: L, maxLen: L + maxShift, seed: ctx.seed });
    const base = taskItems('keyword', { count: 300, minLen: L, maxLen: L, seed: ctx.seed + 1 });
    const opts = { epochs: 5, lr: 0.01, clip: 1, seed: ctx.seed };
    const shared = fit({ ...io, kind: 'shared', cell: 'gru', hidden: 24, seed: ctx.seed }, train, opts);
    const unshared = fit({ ...io, kind: 'unshared', cell: 'gru', hidden: 24, maxLen: L + maxShift, seed: ctx.seed }, train, opts);
    const rng = createRng(ctx.seed + 2);
    const filler = () => KEYWORD_IDS.firstFiller + rng.int(KEYWORD_IDS.vocab - KEYWORD_IDS.firstFiller);
    const shifts = Array.from({ length: maxShift + 1 }, (_, k) => k);
    const prefixes = base.map(() => Array.from({ length: maxShift }, filler));
    const change = (m: SequenceModel) => {
      const p0 = probabilities(m, base);
      return shifts.map((k) => {
        const shifted = base.map((e, i) => ({ ...e, tokens: [...prefixes[i].slice(0, k), ...e.tokens!] }));
        const pk = probabilities(m, shifted);
        return pk.reduce((s, p, i) => s + Math.abs(p - p0[i]), 0) / pk.length;
      });
    };
    const s = change(shared);
    const u = change(unshared);
    shared.dispose();
    unshared.dispose();
    const meanS = s.slice(1).reduce((a, b) => a + b, 0) / maxShift;
    const meanU = u.slice(1).reduce((a, b) => a + b, 0) / maxShift;
    const ok = meanS < meanU;
    return {
      reproduced: ok,
      reason: `mean |ΔP(positive)| over shifts 1–${maxShift}: shared ${meanS.toFixed(4)}, unshared ${meanU.toFixed(4)}`,
      values: { shifts, shared: s, unshared: u },
      charts: [lineChart('shift', 'Change of the answer when the input is shifted by k steps', 'shift k', 'mean |ΔP(positive)|', { shared: shifts.map((k) => [k, s[k]]), unshared: shifts.map((k) => [k, u[k]]) })],
    };
  },
};
