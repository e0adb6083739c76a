/**
 * The page's demos as recipes, in the page's order, then the ones beyond it. Each runs in
 * process (fs-free: files come through ctx.loadDataset) and returns a verdict with numbers.
 */
import * as tf from '@tensorflow/tfjs';
import { ExperimentResultSchema, type ExperimentInfo, type ExperimentResult } from '../contract.js';
import { cnnVsRnnRecipe } from './recipes/cnn-vs-rnn.js';
import { cyclicFeaturesRecipe } from './recipes/cyclic-features.js';
import { dataEfficiencyRecipe } from './recipes/data-efficiency.js';
import { positionAwareRecipe } from './recipes/position-aware.js';
import { practicalStrategiesRecipe } from './recipes/practical-strategies.js';
import { sentimentRecipe } from './recipes/sentiment.js';
import { lengthGridRecipe } from './recipes/length-grid.js';
import { twinRunsRecipe } from './recipes/twin-runs.js';
import { reTieRecipe } from './recipes/re-tie.js';
import { timeShiftRecipe } from './recipes/time-shift.js';
import { gradientFlowRecipe } from './recipes/gradient-flow.js';
import { lengthGeneralizationRecipe } from './recipes/length-generalization.js';
import { lengthLimitRecipe } from './recipes/length-limit.js';
import { paramTableRecipe } from './recipes/param-table.js';
import { positionTransferRecipe } from './recipes/position-transfer.js';
import { vanishingGradientsRecipe } from './recipes/vanishing-gradients.js';
import { weightIdentityRecipe } from './recipes/weight-identity.js';
import type { ExperimentContext, Recipe } from './types.js';

export type { DatasetName, ExperimentContext } from './types.js';

export const RECIPES: Recipe[] = [
  paramTableRecipe,
  lengthLimitRecipe,
  lengthGeneralizationRecipe,
  positionTransferRecipe,
  dataEfficiencyRecipe,
  cnnVsRnnRecipe,
  weightIdentityRecipe,
  positionAwareRecipe,
  cyclicFeaturesRecipe,
  gradientFlowRecipe,
  vanishingGradientsRecipe,
  practicalStrategiesRecipe,
  sentimentRecipe,
  lengthGridRecipe,
  twinRunsRecipe,
  reTieRecipe,
  timeShiftRecipe,
];

export function listExperiments(): ExperimentInfo[] {
  return RECIPES.map((r) => ({ name: r.name, title: r.title, claim: r.claim, beyondPage: r.beyondPage ?? false }));
}

export class UnknownExperimentError extends Error {}

export async function runExperiment(name: string, ctx: ExperimentContext): Promise<ExperimentResult> {
  const recipe = RECIPES.find((r) => r.name === name);
  if (!recipe) throw new UnknownExperimentError(`unknown experiment "${name}"; available: ${RECIPES.map((r) => r.name).join(', ')}`);
  const started = Date.now();
  const before = tf.memory().numTensors;
  const outcome = await recipe.run(ctx);
  const leaked = tf.memory().numTensors - before;
  return ExperimentResultSchema.parse({
    name: recipe.name,
    title: recipe.title,
    claim: recipe.claim,
    setting: ctx.full ? 'full' : 'quick',
    seconds: (Date.now() - started) / 1000,
    backend: tf.getBackend(),
    ...outcome,
    values: { ...outcome.values, tensorsLeaked: leaked },
  });
}
