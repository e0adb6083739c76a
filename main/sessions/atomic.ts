/**
 * Atomic replace: write a temp file beside the target, fsync it, rename it over the target,
 * fsync the directory. A failure at any step leaves the old file byte-identical and removes
 * the temp file. The fs calls are injectable so tests can fail each one.
 */
import * as fs from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface AtomicFs {
  openSync: typeof fs.openSync;
  writeSync: (fd: number, data: Uint8Array) => number;
  fsyncSync: typeof fs.fsyncSync;
  closeSync: typeof fs.closeSync;
  renameSync: typeof fs.renameSync;
  rmSync: typeof fs.rmSync;
}

export const realFs: AtomicFs = {
  openSync: fs.openSync,
  writeSync: (fd, data) => fs.writeSync(fd, data),
  fsyncSync: fs.fsyncSync,
  closeSync: fs.closeSync,
  renameSync: fs.renameSync,
  rmSync: fs.rmSync,
};

let counter = 0;

export function fsyncDir(dir: string, io: AtomicFs = realFs): void {
  const fd = io.openSync(dir, 'r');
  try {
    io.fsyncSync(fd);
  } finally {
    io.closeSync(fd);
  }
}

export function atomicWrite(path: string, data: string | Uint8Array, io: AtomicFs = realFs): void {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${++counter}.tmp`);
  let fd: number | null = null;
  try {
    fd = io.openSync(tmp, 'wx', 0o644);
    let off = 0;
    while (off < bytes.length) off += io.writeSync(fd, bytes.subarray(off));
    io.fsyncSync(fd);
    io.closeSync(fd);
    fd = null;
    io.renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) {
      try {
        io.closeSync(fd);
      } catch {
        /* already failing: the original error matters */
      }
    }
    io.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(dirname(path), io);
}
