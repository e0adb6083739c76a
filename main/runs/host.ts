/**
 * Starts and watches worker processes. Node and the CLI fork them with child_process; the
 * Electron main passes a spawner over utilityProcess. Every message from a worker is parsed
 * with the contract; a worker that dies marks only its own session failed.
 */
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { fileURLToPath } from 'node:url';
import { runEnded, WorkerEventSchema, type ExperimentResult, type LengthCurve, type RunStatus, type WorkerCommand, type WorkerEvent } from '../contract.js';
import { runLockHolder } from '../sessions/run-lock.js';
import { readSessionFile, updateSession } from '../sessions/store.js';
import { tsxLoaderUrl } from './tsx-loader.js';

export interface WorkerProcess {
  readonly pid: number | undefined;
  send(command: WorkerCommand): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(signal?: NodeJS.Signals): void;
}

export type SpawnWorker = () => WorkerProcess;

/** The worker entry: the TypeScript source in development and tests, the built file when bundled. */
export const DEFAULT_WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** child_process.fork of the worker; .ts entries run through tsx's loader. */
export function nodeSpawner(entry = DEFAULT_WORKER): SpawnWorker {
  return () => {
    const child = fork(entry, [], {
      execArgv: entry.endsWith('.ts') ? ['--import', tsxLoaderUrl()] : [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    return {
      pid: child.pid,
      send: (c) => child.connected && child.send(c),
      onMessage: (l) => child.on('message', l),
      onExit: (l) => child.on('exit', (code, signal) => l(code, signal)),
      kill: (s) => child.kill(s),
    };
  };
}

export interface RunHandleEvents {
  event: [WorkerEvent];
  exit: [RunStatus];
}

/** One running session. `done` resolves with its final status, whatever happens to the process. */
export class RunHandle extends EventEmitter<RunHandleEvents> {
  readonly done: Promise<RunStatus>;
  status: RunStatus = 'running';
  step = 0;
  totalSteps = 0;
  lastError: string | null = null;
  private readonly proc: WorkerProcess;

  constructor(
    readonly sessionDir: string,
    spawn: SpawnWorker,
    resume = false,
    /** cores this run may use (undefined: all of them) */
    cores?: number,
  ) {
    super();
    this.proc = spawn();
    this.done = new Promise((resolve) => {
      this.proc.onExit((code, signal) => resolve(this.finish(code, signal)));
    });
    this.proc.onMessage((raw) => {
      const parsed = WorkerEventSchema.safeParse(raw);
      if (!parsed.success) {
        this.lastError = `the worker sent a message outside the contract: ${parsed.error.issues[0]?.message}`;
        return;
      }
      const e = parsed.data;
      if (e.type === 'status') {
        this.status = e.status;
        if (e.totalSteps) Object.assign(this, { step: e.step, totalSteps: e.totalSteps });
      }
      if (e.type === 'error') this.lastError = e.message;
      this.emit('event', e);
    });
    this.proc.send({ type: 'start', sessionDir, resume, cores });
  }

  get pid(): number | undefined {
    return this.proc.pid;
  }

  pause(): void {
    this.proc.send({ type: 'pause' });
  }
  resume(): void {
    this.proc.send({ type: 'resume' });
  }
  stop(): void {
    this.proc.send({ type: 'stop' });
  }
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.proc.kill(signal);
  }

  /** After the process ends: a clean exit has already written its status; anything else is a failure. */
  private finish(code: number | null, signal: string | null): RunStatus {
    const status = this.outcome(code, signal);
    this.status = status;
    this.emit('exit', status);
    return status;
  }

  private outcome(code: number | null, signal: string | null): RunStatus {
    try {
      // a live lock now is another process's (this worker has ended): the worker refused to train,
      // saying why (lastError), and the session is that run's to mark
      if (runLockHolder(this.sessionDir)) return 'failed';
      const session = readSessionFile(this.sessionDir);
      if (code === 0 && runEnded(session.status)) return session.status;
      if (session.status === 'failed' && session.error) this.lastError = session.error;
      else {
        const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
        this.lastError = `the training process ${how} at step ${this.step}; the session keeps every metric up to the last flush — resume continues from the last checkpoint`;
        updateSession(this.sessionDir, { status: 'failed', error: this.lastError });
      }
    } catch (e) {
      this.lastError = `the session could not be read after the worker ended: ${(e as Error).message}`;
    }
    return 'failed';
  }
}

/**
 * One job in its own worker process (the UI stays responsive; a crash costs only the job):
 * resolves with what `answer` picks from its events, or fails with its error.
 */
function jobInWorker<T>(spawn: SpawnWorker, command: WorkerCommand, answer: (e: WorkerEvent) => T | undefined, what: string): Promise<T> {
  const proc = spawn();
  return new Promise((resolve, reject) => {
    let settled = false;
    proc.onMessage((raw) => {
      const parsed = WorkerEventSchema.safeParse(raw);
      if (!parsed.success || settled) return;
      const found = answer(parsed.data);
      if (found !== undefined) {
        settled = true;
        resolve(found);
      } else if (parsed.data.type === 'error') {
        settled = true;
        reject(new Error(parsed.data.message));
      }
    });
    proc.onExit((code, signal) => {
      if (!settled) reject(new Error(`the ${what} process ${signal ? `was killed (${signal})` : `exited with code ${code}`} before it finished`));
    });
    proc.send(command);
  });
}

/** Runs one of the page's experiments in its own worker process and resolves with its result. */
export function experimentInWorker(spawn: SpawnWorker, name: string, full: boolean, dataDir?: string): Promise<ExperimentResult> {
  return jobInWorker(spawn, { type: 'experiment', name, full, dataDir }, (e) => (e.type === 'experiment' ? e.result : undefined), 'experiment');
}

/** A trained session's length curve at `lengths` (evaluate-session.ts), in its own worker process. */
export function evaluationInWorker(spawn: SpawnWorker, sessionDir: string, lengths: number[]): Promise<LengthCurve> {
  return jobInWorker(spawn, { type: 'evaluate', sessionDir, lengths }, (e) => (e.type === 'eval' ? e.curve : undefined), 'evaluation');
}
