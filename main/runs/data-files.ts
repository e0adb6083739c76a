/** Reading dataset files from disk for runs and the CLI: streamed, size known up front, hashed. */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { RoleOverrides } from '../contract.js';
import { DataError, readDataset, type Analysis } from '../data/index.js';
import type { DatasetLoader } from './run-data.js';

/** A file's size, or 0 where it cannot be read (reading it says why). */
export function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

export interface FileAnalysis extends Analysis {
  sha256: string;
}

/** What a run's data needs of a read file (run-data.ts DatasetLoader): the dataset and its fingerprint. */
export function loadedFile(a: FileAnalysis): Awaited<ReturnType<DatasetLoader>> {
  return { dataset: a.dataset, sha256: a.sha256, rows: a.summary.rows, columns: a.summary.columns.map((c) => c.name) };
}

/** Streams a file into the data reader (1 MiB chunks) and fingerprints it on the way; `validation`: see ReadOptions. */
export async function readFileDataset(path: string, overrides: RoleOverrides = {}, onProgress?: (fraction: number) => void, validation = false): Promise<FileAnalysis> {
  const file = basename(path);
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new DataError('empty', file, 'is not a file');
    size = s.size;
  } catch (e) {
    if (e instanceof DataError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const reasons: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', ENOTDIR: 'a part of the path is a file, not a folder' };
    throw new DataError('empty', file, `cannot open ${path}: ${(code && reasons[code]) ?? (e as Error).message}`);
  }
  const hash = createHash('sha256');
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  async function* hashed() {
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      yield chunk as Uint8Array;
    }
  }
  try {
    const analysis = await readDataset(hashed(), { file, size, overrides, validation, onProgress: (p) => onProgress?.(p.bytesRead / Math.max(1, p.totalBytes)) });
    const sha256 = hash.digest('hex');
    return { ...analysis, summary: { ...analysis.summary, sha256 }, sha256 };
  } finally {
    stream.destroy();
  }
}
