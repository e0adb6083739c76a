/**
 * A dataset file's summary, read on a thread of its own (summary-reader.ts) where it is large:
 * what the service does when a file is dropped or chosen. Errors are the reader's own: a
 * DataError with the same file, line and words as reading it here would give.
 */
import type { Worker } from 'node:worker_threads';
import { SummaryReplySchema, type DatasetSummary, type RoleOverrides, type SummaryRequest } from '../contract.js';
import { DataError, type DataErrorCode } from '../data/errors.js';
import { fileBytes } from './data-files.js';
import { readSummary } from './read-summary.js';
import { startThread } from './thread-entry.js';

/**
 * Smaller files are read in the calling thread: a thread takes ≈ 150 ms to start and answer
 * (built), where reading SST-2's 94 KB dev set here takes ≈ 20 ms; 2 MiB is ≈ 0.15 s of work.
 */
export const IN_THREAD_MAX_BYTES = 2 * 1024 * 1024;

/**
 * `validation`: a validation file, read as the run will read it (readFileDataset's flag);
 * `overlapWith`: its training file, read too, whose examples it warns of holding (read-summary.ts).
 */
export async function summarizeFile(path: string, overrides: RoleOverrides = {}, validation = false, overlapWith?: string): Promise<DatasetSummary> {
  const request = { path, overrides, validation, ...(overlapWith && { overlapWith }) };
  if (fileBytes(path) + (overlapWith ? fileBytes(overlapWith) : 0) < IN_THREAD_MAX_BYTES) return readSummary(request);
  return inThread(request);
}

function inThread(request: SummaryRequest): Promise<DatasetSummary> {
  const { path } = request;
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = startThread('summary-reader');
    } catch (e) {
      reject(new Error(`the file reader could not start: ${(e as Error).message}`));
      return;
    }
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      f();
      void worker.terminate();
    };
    worker.once('message', (raw: unknown) => {
      const parsed = SummaryReplySchema.safeParse(raw);
      if (!parsed.success) return settle(() => reject(new Error(`the file reader sent a malformed answer: ${parsed.error.issues[0]?.message}`)));
      const r = parsed.data;
      if (r.type === 'summary') settle(() => resolve(r.summary));
      else if (r.type === 'data-error') settle(() => reject(new DataError(r.code as DataErrorCode, r.file, r.detail, r.line)));
      else settle(() => reject(new Error(`reading ${path} failed: ${r.message}`)));
    });
    worker.once('error', (e) => settle(() => reject(new Error(`reading ${path} failed: ${e.message}`))));
    worker.once('exit', (code) => settle(() => reject(new Error(`reading ${path} stopped: the file reader exited (code ${code})`))));
    worker.postMessage(request);
  });
}
