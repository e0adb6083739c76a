/**
 * A queue of runs: at most `concurrency` workers at once (default: the cores), the rest wait
 * in order. Pause, resume and stop go to the run's worker; stopping a queued run drops it.
 */
import { availableParallelism } from 'node:os';
import { EventEmitter } from 'node:events';
import { runEnded, type RunStatus, type WorkerEvent } from '../contract.js';
import { updateSession } from '../sessions/store.js';
import { RunHandle, type SpawnWorker } from './host.js';

interface Entry {
  dir: string;
  resume: boolean;
  handle: RunHandle | null;
  status: RunStatus;
  /** its worker has said the run ended, and is exiting: the status here follows the exit */
  ending: boolean;
}

export interface SchedulerEvents {
  event: [string, WorkerEvent];
  status: [string, RunStatus];
}

export class Scheduler extends EventEmitter<SchedulerEvents> {
  private readonly runs = new Map<string, Entry>();
  private readonly waiting: string[] = [];

  constructor(
    private readonly spawn: SpawnWorker,
    readonly concurrency = availableParallelism(),
  ) {
    super();
  }

  /** Queues a session folder; returns when it ends. */
  enqueue(dir: string, resume = false): Promise<RunStatus> {
    if (this.runs.get(dir)?.handle && !runEnded(this.runs.get(dir)!.status)) {
      throw new Error(`${dir} is already running`);
    }
    this.runs.set(dir, { dir, resume, handle: null, status: 'queued', ending: false });
    this.waiting.push(dir);
    this.emit('status', dir, 'queued');
    const done = new Promise<RunStatus>((resolve) => {
      const onStatus = (d: string, s: RunStatus) => {
        if (d === dir && runEnded(s)) {
          this.off('status', onStatus);
          resolve(s);
        }
      };
      this.on('status', onStatus);
    });
    this.pump();
    return done;
  }

  get active(): number {
    return [...this.runs.values()].filter((r) => r.handle && ['running', 'paused'].includes(r.status)).length;
  }

  status(dir: string): RunStatus | undefined {
    return this.runs.get(dir)?.status;
  }

  /**
   * Waits for a run whose worker has said it ended to exit, so that status() says so. (A user
   * who saw "stopped" and pressed Resume at once found the run still going here.)
   */
  async settle(dir: string): Promise<void> {
    const entry = this.runs.get(dir);
    if (entry?.handle && entry.ending) await entry.handle.done;
  }

  handle(dir: string): RunHandle | null {
    return this.runs.get(dir)?.handle ?? null;
  }

  pause(dir: string): void {
    this.runs.get(dir)?.handle?.pause();
  }

  resume(dir: string): void {
    this.runs.get(dir)?.handle?.resume();
  }

  stop(dir: string): void {
    const entry = this.runs.get(dir);
    if (!entry) return;
    if (!entry.handle) {
      this.waiting.splice(this.waiting.indexOf(dir), 1);
      updateSession(dir, { status: 'stopped' });
      this.set(entry, 'stopped');
      return;
    }
    entry.handle.stop();
  }

  private set(entry: Entry, status: RunStatus): void {
    entry.status = status;
    this.emit('status', entry.dir, status);
  }

  private pump(): void {
    while (this.active < this.concurrency && this.waiting.length > 0) {
      const entry = this.runs.get(this.waiting.shift()!)!;
      // runs started while others train get a share of the cores for their helper threads
      const cores = Math.max(1, Math.floor(availableParallelism() / (this.active + 1)));
      const handle = new RunHandle(entry.dir, this.spawn, entry.resume, cores);
      entry.handle = handle;
      this.set(entry, 'running');
      handle.on('event', (e) => {
        if (e.type === 'status' && runEnded(e.status)) entry.ending = true;
        else if (e.type === 'status' && e.status !== entry.status) this.set(entry, e.status);
        this.emit('event', entry.dir, e);
      });
      void handle.done.then((final) => {
        this.set(entry, final);
        this.pump();
      });
    }
  }
}
