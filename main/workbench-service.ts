/**
 * The one implementation of the contract's commands, shared by every host: the Electron IPC
 * and the serve bridge call `handle`, and forward the service's events. Training and
 * experiments run in worker processes; sessions live as folders under `sessionsRoot`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { dataShape, runEnded, type BackendReport, type Command, type CommandResults, type DatasetSummary, type DataShape, type RoleOverrides, type SessionFile, type SessionSummary, type WorkbenchEvent } from './contract.js';
import { validationMismatch } from './data/validation-match.js';
import { initBackend } from './engine/backend.js';
import { paramTable } from './engine/params.js';
import { listExperiments } from './experiments/index.js';
import { summarizeFile } from './runs/summarize-file.js';
import { webgpuConsidered } from './runs/backend-choice.js';
import { EXAMPLES_DIR } from './runs/example-data.js';
import { evaluationInWorker, experimentInWorker, type SpawnWorker } from './runs/host.js';
import { Scheduler } from './runs/scheduler.js';
import { exportSession, importSession } from './sessions/archive.js';
import { atomicWrite } from './sessions/atomic.js';
import { metricsCsv } from './sessions/metrics-csv.js';
import { createRunSession } from './sessions/new-session.js';
import { extendSession } from './sessions/extend.js';
import { checkNotTraining, runLockHolder } from './sessions/run-lock.js';
import { FILES, readEvals, readMetrics, readSessionFile, updateSession } from './sessions/store.js';

export interface ServiceOptions {
  sessionsRoot: string;
  spawn: SpawnWorker;
  /** where browser uploads are stored (default: <sessionsRoot>/../uploads) */
  uploadsDir?: string;
  /** folder with the experiments' datasets, searched first */
  dataDir?: string;
  concurrency?: number;
}

export class ServiceError extends Error {}

const EXAMPLE_NOTES: Record<string, string> = {
  'AirPassengers.csv': 'monthly airline passengers 1949–1960: a series with a yearly cycle of 12',
  'daily-min-temperatures.csv': 'daily minimum temperature, Melbourne 1981–1990: a yearly cycle of ~365',
  'sst2-dev.tsv': 'SST-2 movie-review sentences, positive or negative, 2–52 tokens',
};

export class WorkbenchService extends EventEmitter<{ event: [WorkbenchEvent] }> {
  readonly sessionsRoot: string;
  readonly uploadsDir: string;
  private readonly scheduler: Scheduler;
  private backend: ReturnType<typeof initBackend> | null = null;

  constructor(private readonly options: ServiceOptions) {
    super();
    this.sessionsRoot = resolve(options.sessionsRoot);
    this.uploadsDir = resolve(options.uploadsDir ?? join(this.sessionsRoot, '..', 'uploads'));
    mkdirSync(this.sessionsRoot, { recursive: true });
    this.scheduler = new Scheduler(options.spawn, options.concurrency);
    this.scheduler.on('event', (dir, e) => {
      const runId = basename(dir);
      if (e.type === 'metrics') this.emit('event', { type: 'run.metrics', id: runId, records: e.records });
      else if (e.type === 'status') this.emit('event', { type: 'run.status', id: runId, status: e.status, step: e.step, totalSteps: e.totalSteps, message: this.shownMessage(dir, e.message) });
      else if (e.type === 'eval') this.emit('event', { type: 'run.eval', id: runId, curve: e.curve });
      else if (e.type === 'ready') this.emit('event', { type: 'run.ready', id: runId, backend: e.backend });
      else if (e.type === 'parallel') this.emit('event', { type: 'run.parallel', id: runId, plan: e.plan });
    });
    this.scheduler.on('status', (dir, status) => {
      const h = this.scheduler.handle(dir);
      this.emit('event', { type: 'run.status', id: basename(dir), status, step: h?.step ?? 0, totalSteps: h?.totalSteps ?? 0, message: status === 'failed' ? this.shownMessage(dir, h?.lastError ?? undefined) : undefined });
      this.emit('event', { type: 'sessions.changed' });
    });
  }

  /**
   * Whether the run in `dir` is queued, running or paused here. (Its worker's pid outlives the
   * worker: a run stopped in this app has one, and resuming it by sending to that pid did nothing.)
   */
  private async going(dir: string): Promise<boolean> {
    await this.scheduler.settle(dir);
    return this.goingHere(dir);
  }

  /** As going(), without waiting for a worker that has said its run ended to exit. */
  private goingHere(dir: string): boolean {
    const status = this.scheduler.status(dir);
    return status !== undefined && !runEnded(status);
  }

  /** A session folder by id; ids are folder names, never paths. */
  private dir(id: string): string {
    const dir = join(this.sessionsRoot, id);
    if (basename(dir) !== id || !existsSync(join(dir, FILES.session))) throw new ServiceError(`no session "${id}"`);
    return dir;
  }

  /**
   * A session as the app shows it, its error naming uploads as the user named them. One whose
   * file says running or paused while no process trains it (the app, or the machine, stopped
   * mid-run: no worker here, no live lock) is marked failed, saying so: its Resume was disabled,
   * as for a run still going, and nothing would ever end it.
   */
  private readSession(dir: string): SessionFile {
    const read = readSessionFile(dir);
    const gone = (read.status === 'running' || read.status === 'paused') && !this.goingHere(dir) && !runLockHolder(dir);
    const s = gone ? updateSession(dir, { status: 'failed', error: `training stopped at step ${read.progress.step} without finishing: its process is gone (the app or the machine stopped?); resume continues from the last checkpoint` }) : read;
    return { ...s, error: s.error && this.namedAsGiven(s, s.error) };
  }

  private summaries(): SessionSummary[] {
    const out: SessionSummary[] = [];
    for (const id of readdirSync(this.sessionsRoot)) {
      if (!existsSync(join(this.sessionsRoot, id, FILES.session))) continue;
      try {
        const s = this.readSession(join(this.sessionsRoot, id));
        out.push({
          id,
          name: s.name,
          status: this.scheduler.status(join(this.sessionsRoot, id)) === 'queued' ? 'queued' : s.status,
          error: s.error,
          createdAt: s.createdAt,
          kind: s.config.model.kind,
          cell: s.config.model.cell,
          data: s.config.data.type === 'task' ? `task: ${s.config.data.task}` : this.shownName(s.config.data.path),
          step: s.progress.step,
          totalSteps: s.progress.totalSteps,
          params: s.params,
          backend: s.backend?.backend ?? null,
        });
      } catch {
        // a damaged session is listed by nothing rather than breaking the list; it stays on disk
      }
    }
    return out.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** The name a user gave a file: uploads are stored as <16 hex of its sha256>-<name> in uploadsDir (<8 random hex>- before). */
  private shownName(path: string): string {
    const name = basename(path);
    return resolve(path, '..') === this.uploadsDir ? name.replace(/^[0-9a-f]{8}(?:[0-9a-f]{8})?-/, '') : name;
  }

  /** A run's message (its worker names files by their stored names) with its uploads named as the user named them. */
  private shownMessage(dir: string, message: string | undefined): string | undefined {
    if (!message) return message;
    try {
      return this.namedAsGiven(readSessionFile(dir), message);
    } catch {
      return message;
    }
  }

  private namedAsGiven(session: SessionFile, message: string): string {
    const data = session.config.data;
    if (data.type !== 'file') return message;
    let shown = message;
    for (const path of [data.path, data.validationPath]) if (path) shown = shown.split(basename(path)).join(this.shownName(path));
    return shown;
  }

  /** A file's summary; a validation file's only once it fits its training file (the run checks again when it starts). */
  private async inspect(path: string, overrides: RoleOverrides, validationOf: DataShape | undefined, trainingPath: string | undefined): Promise<DatasetSummary> {
    const summary = await summarizeFile(path, overrides, Boolean(validationOf), validationOf && trainingPath);
    const mismatch = validationOf && validationMismatch(validationOf, dataShape(summary));
    if (mismatch) throw new ServiceError(`${basename(path)}: ${mismatch}`);
    return summary;
  }

  async handle<C extends Command>(command: C): Promise<CommandResults[C['type']]> {
    return (await this.dispatch(command as Command)) as CommandResults[C['type']];
  }

  private async dispatch(c: Command): Promise<unknown> {
    switch (c.type) {
      case 'backend.get':
        this.backend ??= initBackend().then((report) => ({ ...report, gpu: gpuNote(report) }));
        return this.backend;
      case 'params.table':
        return paramTable(c.input, c.hidden, c.lengths, c.cell);
      case 'data.inspect': {
        return { path: resolve(c.path), summary: await this.inspect(c.path, c.overrides, c.validationOf, c.trainingPath) };
      }
      case 'data.upload': {
        const bytes = Buffer.from(c.base64, 'base64');
        mkdirSync(this.uploadsDir, { recursive: true });
        const safe = c.name.replace(/[^\w.-]+/g, '_').slice(-100) || 'upload';
        // stored by content: the same file dropped again is the same copy (sessions read it by path), not one more
        const path = join(this.uploadsDir, `${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}-${safe}`);
        const fresh = !existsSync(path);
        if (fresh) atomicWrite(path, bytes);
        try {
          const summary = await this.inspect(path, c.overrides, c.validationOf, c.trainingPath);
          // keep the name the user knows in every message
          return { path, summary: { ...summary, file: c.name } };
        } catch (e) {
          if (fresh) rmSync(path, { force: true });
          throw e instanceof Error ? new ServiceError(e.message.replace(basename(path), c.name)) : e;
        }
      }
      case 'examples.list':
        return existsSync(EXAMPLES_DIR)
          ? readdirSync(EXAMPLES_DIR)
              .filter((f) => EXAMPLE_NOTES[f])
              .map((f) => ({ name: f, path: join(EXAMPLES_DIR, f), description: EXAMPLE_NOTES[f] }))
          : [];
      case 'runs.start': {
        const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
        const id = `${stamp}-${c.config.model.kind}-${randomBytes(2).toString('hex')}`;
        const dir = join(this.sessionsRoot, id);
        createRunSession(dir, c.config);
        void this.scheduler.enqueue(dir);
        this.emit('event', { type: 'sessions.changed' });
        return { id };
      }
      case 'runs.control': {
        const dir = this.dir(c.id);
        if (c.action === 'resume' && !(await this.going(dir))) {
          // resuming a stopped or failed session continues from its last checkpoint
          const status = readSessionFile(dir).status;
          if (status === 'completed') throw new ServiceError('this run has completed; give it more epochs or steps to train it further');
          checkNotTraining(dir, 'resume this run');
          void this.scheduler.enqueue(dir, true);
          return { ok: true };
        }
        if (c.action === 'pause') this.scheduler.pause(dir);
        else if (c.action === 'resume') this.scheduler.resume(dir);
        else this.scheduler.stop(dir);
        return { ok: true };
      }
      case 'runs.evaluate': {
        const dir = this.dir(c.id);
        if (await this.going(dir)) throw new ServiceError('this run is still training; evaluate it once it has ended (it evaluates itself at its end)');
        checkNotTraining(dir, 'evaluate this run');
        const curve = await evaluationInWorker(this.options.spawn, dir, c.lengths);
        this.emit('event', { type: 'run.eval', id: c.id, curve });
        return curve;
      }
      case 'runs.extend': {
        const dir = this.dir(c.id);
        if (await this.going(dir)) throw new ServiceError('this run is still going; it can train further once it has ended');
        extendSession(dir, { epochs: c.epochs, maxSteps: c.maxSteps });
        void this.scheduler.enqueue(dir, true);
        this.emit('event', { type: 'sessions.changed' });
        return { ok: true };
      }
      case 'sessions.list':
        return this.summaries();
      case 'sessions.load': {
        const dir = this.dir(c.id);
        return { session: this.readSession(dir), metrics: readMetrics(dir), evals: readEvals(dir) };
      }
      case 'sessions.rename':
        updateSession(this.dir(c.id), { name: c.name });
        this.emit('event', { type: 'sessions.changed' });
        return { ok: true };
      case 'sessions.delete': {
        const dir = this.dir(c.id);
        if (await this.going(dir)) throw new ServiceError('stop this run before deleting it');
        checkNotTraining(dir, 'delete this session');
        rmSync(dir, { recursive: true, force: true });
        this.emit('event', { type: 'sessions.changed' });
        return { ok: true };
      }
      case 'sessions.export': {
        const dir = this.dir(c.id);
        const tmp = join(this.uploadsDir, `${randomBytes(6).toString('hex')}.rnnwb`);
        mkdirSync(this.uploadsDir, { recursive: true });
        try {
          exportSession(dir, tmp);
          return { fileName: `${readSessionFile(dir).name.replace(/[^\w.-]+/g, '-') || c.id}.rnnwb`, base64: readFileSync(tmp).toString('base64') };
        } finally {
          rmSync(tmp, { force: true });
        }
      }
      case 'sessions.csv': {
        const runs = c.ids.map((runId) => ({ name: readSessionFile(this.dir(runId)).name || runId, records: readMetrics(this.dir(runId)) }));
        return { fileName: c.ids.length === 1 ? `${c.ids[0]}-metrics.csv` : 'runs-metrics.csv', csv: metricsCsv(runs) };
      }
      case 'sessions.import': {
        mkdirSync(this.uploadsDir, { recursive: true });
        const tmp = join(this.uploadsDir, `${randomBytes(6).toString('hex')}-${c.name.replace(/[^\w.-]+/g, '_')}`);
        writeFileSync(tmp, Buffer.from(c.base64, 'base64'));
        try {
          const dir = importSession(tmp, this.sessionsRoot);
          this.emit('event', { type: 'sessions.changed' });
          return { id: basename(dir) };
        } finally {
          rmSync(tmp, { force: true });
        }
      }
      case 'experiments.list':
        return listExperiments();
      case 'experiments.run':
        if (!listExperiments().some((e) => e.name === c.name)) throw new ServiceError(`unknown experiment "${c.name}"`);
        return experimentInWorker(this.options.spawn, c.name, c.full, this.options.dataDir);
    }
  }
}

/**
 * What the app says about the GPU before any run (webgpuConsidered: what each run will do). Dawn
 * is not loaded here, in the process that serves the window: a driver's failure would take the
 * app down, where in a run it takes only that run.
 */
function gpuNote(report: BackendReport): BackendReport['gpu'] {
  if (report.device === 'gpu') return { present: true, detail: `${report.backend} runs on the GPU` };
  const considered = webgpuConsidered(report);
  if (!considered) return undefined;
  return 'error' in considered ? { present: false, detail: considered.error } : { present: true, detail: 'each run times its model on webgpu too, and keeps the faster' };
}
