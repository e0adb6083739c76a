/**
 * One training process per session. A worker holds `run.lock` (its pid and host) while it
 * trains; anything else that would write the session (a second resume from another terminal
 * or from the app, training further, deleting it) asks first. Two processes training one
 * session would interleave its metrics and overwrite each other's checkpoints.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SessionError } from './store.js';

const LOCK = 'run.lock';

interface Holder {
  pid: number;
  host: string;
  since: string;
}

/** Whether `pid` on this machine is a live process (one of another user's counts: EPERM). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(dir: string): Holder | null {
  try {
    return JSON.parse(readFileSync(join(dir, LOCK), 'utf8')) as Holder;
  } catch {
    return null; // none, or torn: a lock is written in one go, so a torn one was never held
  }
}

/** Whether the lock's process still runs; a process on another machine (a shared disk) cannot be checked, so it holds until it removes its lock. */
const holds = (h: Holder) => h.host !== hostname() || (h.pid !== process.pid && alive(h.pid));

/** The process training the session in `dir`, or null (no lock, or one a killed process left). */
export function runLockHolder(dir: string): Holder | null {
  const holder = readLock(dir);
  return holder && holds(holder) ? holder : null;
}

function busy(dir: string, holder: Holder, doing: string): SessionError {
  const where = holder.host === hostname() ? `process ${holder.pid}` : `process ${holder.pid} on ${holder.host}`;
  return new SessionError(`cannot ${doing}: ${where} has been training this session since ${holder.since} (if no such process is running, delete ${join(dir, LOCK)})`);
}

/** Refuses to go on while another process trains the session in `dir`; `doing`: what was asked. */
export function checkNotTraining(dir: string, doing: string): void {
  const holder = runLockHolder(dir);
  if (holder) throw busy(dir, holder, doing);
}

/** Takes the session's lock for this process, or refuses as checkNotTraining does; returns its release. */
export function lockRun(dir: string): () => void {
  const path = join(dir, LOCK);
  const found = readLock(dir);
  if (found && holds(found)) throw busy(dir, found, 'train this session');
  // a lock a killed process left is taken over; of two processes taking one at once, one wins ('wx')
  if (found) rmSync(path, { force: true });
  try {
    writeFileSync(path, JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }), { flag: 'wx' });
  } catch (e) {
    const winner = (e as NodeJS.ErrnoException).code === 'EEXIST' ? readLock(dir) : null;
    throw winner ? busy(dir, winner, 'train this session') : e;
  }
  return () => rmSync(path, { force: true });
}
