/** What every CLI command shares: output sinks, the one error type, argument parsers. */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** A user mistake: printed as one sentence on stderr, exit code 2. */
export class CliError extends Error {}

export function positiveInt(value: unknown, flag: string): number {
  if (value === undefined) throw new CliError(`${flag} is required (a positive whole number)`);
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${flag} must be a positive whole number, got "${String(value)}"`);
  return n;
}

export function positiveIntList(value: unknown, flag: string): number[] {
  const parts = String(value).split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) throw new CliError(`${flag} must be a comma-separated list like 10,100,1000, got "${String(value)}"`);
  return parts.map((p) => positiveInt(p, flag));
}

const isFolder = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

/** An output file flag's path: its folder must exist, and it must not be a folder itself. */
export function outputFile(value: unknown, flag: string): string {
  const path = resolve(String(value));
  if (isFolder(path)) throw new CliError(`${flag} ${String(value)} is a folder; give a file name`);
  const folder = dirname(path);
  if (!isFolder(folder)) throw new CliError(`${flag} ${String(value)}: the folder ${folder} does not exist`);
  return path;
}

/** An optional folder flag: undefined when not given, else a folder that exists (a mistyped one is not skipped quietly). */
export function existingFolder(value: unknown, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const dir = String(value);
  if (!isFolder(dir)) throw new CliError(`${flag} ${dir}: no such folder`);
  return dir;
}
