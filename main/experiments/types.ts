/** What a recipe is: the page's claim, a run at quick or full size, and a verdict with numbers. */
import type { ChartSpec, ExperimentResult } from '../contract.js';
import type { Dataset } from '../data/dataset.js';

/** The real files recipes may ask for (resolved by the caller: the CLI, the app, a test). */
export type DatasetName = 'sst2-train' | 'sst2-dev' | 'AirPassengers' | 'daily-min-temperatures';

export interface ExperimentContext {
  /** the page's exact sizes instead of the quick defaults */
  full: boolean;
  seed: number;
  loadDataset(name: DatasetName): Promise<Dataset>;
  progress?(message: string): void;
}

export type RecipeOutcome = Pick<ExperimentResult, 'reproduced' | 'reason' | 'values' | 'table'> & { charts: ChartSpec[] };

export interface Recipe {
  name: string;
  title: string;
  claim: string;
  beyondPage?: boolean;
  run(ctx: ExperimentContext): Promise<RecipeOutcome>;
}
