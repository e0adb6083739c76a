/**
 * Files → datasets, with no tfjs, Electron or fs: callers hand over bytes (a stream of
 * chunks) and get a summary and examples, or a DataError that names the file and line.
 */
import type { RoleOverrides } from '../contract.js';
import { analyzeTable, type Analysis } from './analyze.js';
import { TextAssembler, type DecodeProgress } from './decode.js';
import { DataError } from './errors.js';
import { parseTable } from './read.js';

export { DataError } from './errors.js';
export type { Analysis } from './analyze.js';

export interface ReadOptions {
  /** file name shown in messages (and used to pick the format by extension) */
  file: string;
  /** size in bytes, known before reading, so an over-large file is refused at once */
  size: number;
  overrides?: RoleOverrides;
  onProgress?: (p: DecodeProgress) => void;
  /** a validation file: it only checks a model trained on another, so a single class is enough */
  validation?: boolean;
}

/** Reads a dataset from chunks of bytes. Every failure is a DataError; nothing half-loaded. */
export async function readDataset(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, opts: ReadOptions): Promise<Analysis> {
  const asm = new TextAssembler(opts.file, opts.size, opts.onProgress);
  for await (const chunk of chunks) asm.push(chunk);
  return analyzeBytesText(opts.file, asm.finish(), opts.size, opts.overrides, opts.validation);
}

export function analyzeBytesText(file: string, text: string, bytes: number, overrides?: RoleOverrides, validation = false): Analysis {
  try {
    return analyzeTable(parseTable(file, text, bytes), overrides, { validation });
  } catch (e) {
    if (e instanceof DataError) throw e;
    // a parser bug must still reach the user as one clear sentence about their file
    throw new DataError('parse', file, `could not be read: ${(e as Error).message}`);
  }
}
