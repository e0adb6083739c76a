import { expect } from 'vitest';
import { runExperiment } from '../../main/experiments/index.js';
import { exampleLoader } from '../../main/runs/example-data.js';
import type { ExperimentResult } from '../../main/contract.js';

const loadDataset = exampleLoader();

/** One recipe on its quick setting, seed 0, as `rnn-workbench experiment NAME` runs it. */
export async function quick(name: string): Promise<ExperimentResult> {
  const result = await runExperiment(name, { full: false, seed: 0, loadDataset });
  // every recipe disposes what it builds
  expect(result.values.tensorsLeaked).toBe(0);
  return result;
}
