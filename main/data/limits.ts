/** Documented limits of what a dataset file may be (README, "Datasets"). */

/**
 * Larger files are refused before a byte is read: 128 MiB. Reading holds the whole table
 * (measured on a 100 MB, 1.8 M-row TSV: 1.2 GB peak to read it, 1.3 GB for a run on it), so
 * this keeps a worst case near 2 GB.
 */
export const MAX_FILE_BYTES = 128 * 1024 * 1024;
/** One line (one example) may hold at most 1 MiB of text. */
export const MAX_LINE_CHARS = 1024 * 1024;
/** A label column with more distinct values is not a classification target. */
export const MAX_CLASSES = 1000;

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
