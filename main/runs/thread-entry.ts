/**
 * Starting a worker thread from one of this folder's entries, under tsx (the .ts source) or
 * built (the .js beside the bundle, where electron.vite.config.ts emits it).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { tsxApiUrl } from './tsx-loader.js';

/** Where entry `name` is: the .ts source under tsx, or the built .js beside the bundle. */
function threadEntry(name: string): { url: URL; typescript: boolean } {
  const here = fileURLToPath(import.meta.url);
  const dir = dirname(here);
  if (here.endsWith('.ts')) return { url: pathToFileURL(join(dir, `${name}.ts`)), typescript: true };
  for (const candidate of [join(dir, `${name}.js`), join(dir, '..', `${name}.js`)]) {
    if (existsSync(candidate)) return { url: pathToFileURL(candidate), typescript: false };
  }
  throw new Error(`${name} is missing beside ${here}`);
}

/** A new thread running entry `name`; throws where it cannot be created. */
export function startThread(name: string): Worker {
  const entry = threadEntry(name);
  // a worker thread does not inherit tsx's loader: the .ts entry registers it first
  return entry.typescript
    ? new Worker(`import(${JSON.stringify(tsxApiUrl())}).then((m) => { m.register(); return import(${JSON.stringify(entry.url.href)}); })`, { eval: true })
    : new Worker(entry.url);
}
