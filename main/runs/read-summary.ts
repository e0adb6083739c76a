/**
 * One file's summary as the app shows it (summarize-file.ts, in the service's thread or a reader
 * thread): a validation file's also warns of the examples its training file holds too, as the
 * run will say when it starts (validation-match.ts).
 */
import type { DatasetSummary, SummaryRequest } from '../contract.js';
import { datasetOverlap, overlapText } from '../data/validation-match.js';
import { readFileDataset } from './data-files.js';

export async function readSummary({ path, overrides, validation, overlapWith }: SummaryRequest): Promise<DatasetSummary> {
  const { summary, dataset } = await readFileDataset(path, overrides, undefined, validation);
  if (!overlapWith) return summary;
  const overlap = datasetOverlap((await readFileDataset(overlapWith, overrides)).dataset, dataset);
  return overlap ? { ...summary, warnings: [...summary.warnings, { code: 'validation-overlap', message: overlapText(overlap) }] } : summary;
}
