/**
 * A session on disk (DESIGN.md §5): session.json (atomic replace), metrics.jsonl and
 * eval.jsonl (append-only; a torn last line is ignored on read), checkpoints/NNNNNN/
 * (weights.bin + model.json, written to a temp folder and renamed).
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LengthCurveSchema, MetricRecordSchema, SessionFileSchema, type LengthCurve, type MetricRecord, type SessionFile } from '../contract.js';
import type { Checkpoint } from '../runs/training-loop.js';
import { atomicWrite, fsyncDir } from './atomic.js';

export const FILES = { session: 'session.json', metrics: 'metrics.jsonl', eval: 'eval.jsonl', checkpoints: 'checkpoints' } as const;
const KEEP_CHECKPOINTS = 3;

export class SessionError extends Error {}

export function writeSession(dir: string, session: SessionFile): void {
  atomicWrite(join(dir, FILES.session), `${JSON.stringify(SessionFileSchema.parse(session), null, 2)}\n`);
}

export function readSessionFile(dir: string): SessionFile {
  const path = join(dir, FILES.session);
  if (!existsSync(path)) throw new SessionError(`${dir} is not a session: it has no ${FILES.session}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SessionError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = SessionFileSchema.safeParse(raw);
  if (!parsed.success) throw new SessionError(`${path} does not match the session format: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

export function updateSession(dir: string, patch: Partial<SessionFile>): SessionFile {
  const next = { ...readSessionFile(dir), ...patch, updatedAt: new Date().toISOString() };
  writeSession(dir, next);
  return next;
}

/** Creates the folder and its session.json; refuses to overwrite an existing session. */
export function createSession(dir: string, session: SessionFile): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new SessionError(`${dir} is a file, not a folder; choose a folder for the session`);
  if (existsSync(join(dir, FILES.session))) throw new SessionError(`${dir} already holds a session; choose another folder`);
  mkdirSync(join(dir, FILES.checkpoints), { recursive: true });
  writeSession(dir, session);
}

export function appendLines(dir: string, file: string, records: unknown[]): void {
  if (records.length === 0) return;
  appendFileSync(join(dir, file), records.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

/** Parses a JSONL file; a torn final line (a crash mid-write) is dropped, a bad line elsewhere is an error. */
export function readJsonl<T>(path: string, parse: (v: unknown) => T): T[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: T[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      out.push(parse(JSON.parse(line)));
    } catch (e) {
      const last = i === lines.length - 1 || lines.slice(i + 1).every((l) => l.trim() === '');
      if (!last) throw new SessionError(`${path}: line ${i + 1}: ${(e as Error).message.split('\n')[0]}`);
    }
  });
  return out;
}

export const readMetrics = (dir: string): MetricRecord[] => readJsonl(join(dir, FILES.metrics), (v) => MetricRecordSchema.parse(v));
export const readEvals = (dir: string): LengthCurve[] => readJsonl(join(dir, FILES.eval), (v) => LengthCurveSchema.parse(v));

/** Keeps the metrics of steps ≤ step (atomically), for a run resumed from that checkpoint. */
export function truncateMetrics(dir: string, step: number): void {
  const kept = readMetrics(dir).filter((r) => r.step <= step);
  atomicWrite(join(dir, FILES.metrics), kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
}

interface CheckpointManifest {
  step: number;
  epoch: number;
  batchInEpoch: number;
  bestValLoss: number | null;
  sinceBest: number;
  /** tensors in weights.bin, in order: float32, little-endian */
  tensors: { group: 'model' | 'optimizer'; name: string; shape: number[]; offset: number; length: number }[];
}

/** Writes checkpoints/NNNNNN/ via a temp folder + rename; keeps the newest three. */
export function writeCheckpoint(dir: string, c: Checkpoint): void {
  const root = join(dir, FILES.checkpoints);
  const name = String(c.step).padStart(6, '0');
  const final = join(root, name);
  const tmp = join(root, `.${name}.${process.pid}.tmp`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const entries = [
    ...Object.entries(c.weights).map(([n, w]) => ({ group: 'model' as const, name: n, shape: w.shape, values: w.values })),
    ...c.optimizer.map((w) => ({ group: 'optimizer' as const, name: w.name, shape: w.shape, values: w.values })),
  ];
  const total = entries.reduce((s, e) => s + e.values.length, 0);
  const bin = new Float32Array(total);
  const tensors: CheckpointManifest['tensors'] = [];
  let offset = 0;
  for (const e of entries) {
    bin.set(e.values, offset);
    tensors.push({ group: e.group, name: e.name, shape: e.shape, offset, length: e.values.length });
    offset += e.values.length;
  }
  const manifest: CheckpointManifest = { step: c.step, epoch: c.epoch, batchInEpoch: c.batchInEpoch, bestValLoss: c.bestValLoss, sinceBest: c.sinceBest, tensors };
  writeFileSync(join(tmp, 'weights.bin'), new Uint8Array(bin.buffer));
  writeFileSync(join(tmp, 'model.json'), JSON.stringify(manifest));
  fsyncDir(tmp);
  rmSync(final, { recursive: true, force: true });
  renameSync(tmp, final);
  fsyncDir(root);
  const all = listCheckpoints(dir);
  for (const old of all.slice(0, Math.max(0, all.length - KEEP_CHECKPOINTS))) rmSync(join(root, old), { recursive: true, force: true });
}

export function listCheckpoints(dir: string): string[] {
  const root = join(dir, FILES.checkpoints);
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((n) => /^\d{6,}$/.test(n) && existsSync(join(root, n, 'model.json')))
    .sort();
}

export function readCheckpoint(dir: string, name?: string): Checkpoint | null {
  const names = listCheckpoints(dir);
  const pick = name ?? names.at(-1);
  if (!pick) return null;
  const folder = join(dir, FILES.checkpoints, pick);
  // a checkpoint is written whole (a temp folder, renamed): a part missing was removed by hand
  const part = <T>(file: string, read: (path: string) => T): T => {
    try {
      return read(join(folder, file));
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `cannot be read (${(e as Error).message})`;
      throw new SessionError(`${folder}: the checkpoint's ${file} ${why}; delete this checkpoint's folder to use the one before it`);
    }
  };
  const manifest = part('model.json', (path) => JSON.parse(readFileSync(path, 'utf8')) as CheckpointManifest);
  const raw = part('weights.bin', (path) => readFileSync(path));
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const weights: Checkpoint['weights'] = {};
  const optimizer: Checkpoint['optimizer'] = [];
  for (const t of manifest.tensors) {
    if (t.offset + t.length > all.length) throw new SessionError(`${folder}: weights.bin is shorter than model.json says`);
    const values = all.slice(t.offset, t.offset + t.length);
    if (t.group === 'model') weights[t.name] = { shape: t.shape, values };
    else optimizer.push({ name: t.name, shape: t.shape, values });
  }
  return { step: manifest.step, epoch: manifest.epoch, batchInEpoch: manifest.batchInEpoch, weights, optimizer, bestValLoss: manifest.bestValLoss, sinceBest: manifest.sinceBest };
}

export interface LoadedSession {
  dir: string;
  session: SessionFile;
  metrics: MetricRecord[];
  evals: LengthCurve[];
  checkpoints: string[];
}

export function loadSession(dir: string): LoadedSession {
  return { dir, session: readSessionFile(dir), metrics: readMetrics(dir), evals: readEvals(dir), checkpoints: listCheckpoints(dir) };
}
