/**
 * tsx's loader, by absolute URL, for the processes and threads that run this package's .ts
 * sources. A bare `--import tsx` or `import('tsx/esm/api')` resolves from the current folder,
 * which is the user's, not this package's: run from any other folder, the worker process and
 * the file-reader thread did not start.
 */
export const tsxLoaderUrl = (): string => import.meta.resolve('tsx');
export const tsxApiUrl = (): string => import.meta.resolve('tsx/esm/api');
