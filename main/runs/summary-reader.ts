/**
 * A worker thread of the service (summarize-file.ts starts one per file): reads one dataset
 * file and answers with its summary or with why it cannot be used. Why a thread: parsing and
 * analysing a 100 MB file holds 1.2 GB and takes 5 s of synchronous work, which in the service's
 * own thread would stall every running run's events (and the window's charts) meanwhile.
 */
import { parentPort } from 'node:worker_threads';
import { SummaryRequestSchema, type SummaryReply } from '../contract.js';
import { DataError } from '../data/index.js';
import { readSummary } from './read-summary.js';

const port = parentPort;
if (!port) throw new Error('summary-reader runs as a worker thread');
const reply = (r: SummaryReply) => port.postMessage(r);

port.once('message', async (raw: unknown) => {
  try {
    reply({ type: 'summary', summary: await readSummary(SummaryRequestSchema.parse(raw)) });
  } catch (e) {
    if (e instanceof DataError) reply({ type: 'data-error', code: e.code, file: e.file, detail: e.detail, line: e.line });
    else reply({ type: 'error', message: (e as Error).message });
  }
});
