/** Finds the experiments' real datasets on disk: a chosen folder, the shipped examples, then ../shared/datasets. */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../data/dataset.js';
import { DataError } from '../data/errors.js';
import type { DatasetName } from '../experiments/index.js';
import { readFileDataset } from './data-files.js';

const FILES: Record<DatasetName, string> = {
  'sst2-train': 'sst2-train.tsv',
  'sst2-dev': 'sst2-dev.tsv',
  AirPassengers: 'AirPassengers.csv',
  'daily-min-temperatures': 'daily-min-temperatures.csv',
};

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const EXAMPLES_DIR = join(repoRoot, 'resources/examples');

export function datasetSearchPath(dataDir?: string): string[] {
  return [...(dataDir ? [resolve(dataDir)] : []), EXAMPLES_DIR, resolve(repoRoot, '../shared/datasets')];
}

/** The datasets by name, from `dataDir` first (which must be a folder: a mistyped one is not skipped quietly). */
export function exampleLoader(dataDir?: string): (name: DatasetName) => Promise<Dataset> {
  if (dataDir !== undefined && !(existsSync(dataDir) && statSync(dataDir).isDirectory())) throw new Error(`--data-dir ${dataDir}: no such folder`);
  const cache = new Map<DatasetName, Promise<Dataset>>();
  return (name) => {
    if (!cache.has(name)) {
      const file = FILES[name];
      const dir = datasetSearchPath(dataDir).find((d) => existsSync(join(d, file)));
      if (!dir) {
        return Promise.reject(new DataError('empty', file, `not found in ${datasetSearchPath(dataDir).join(', ')}; pass --data-dir with the folder that holds it`));
      }
      cache.set(name, readFileDataset(join(dir, file)).then((a) => a.dataset));
    }
    return cache.get(name)!;
  };
}
