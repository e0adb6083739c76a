/**
 * One-file session archives (.rnnwb): a zip (fflate) of the session with a manifest of
 * sha256 sums. Import treats the file as hostile: paths, links, counts, sizes, compression
 * ratios, nested archives, schemas and hashes are all checked before anything touches disk,
 * and an import never overwrites a session.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { unzipSync, zipSync, type Unzipped } from 'fflate';
import { z } from 'zod';
import { LengthCurveSchema, MetricRecordSchema, SessionFileSchema } from '../contract.js';
import { atomicWrite } from './atomic.js';
import { APP_VERSION } from './new-session.js';
import { FILES, listCheckpoints } from './store.js';

export const LIMITS = {
  archiveBytes: 1024 * 1024 * 1024,
  entries: 1000,
  /** all entries together, uncompressed */
  totalBytes: 2 * 1024 * 1024 * 1024,
  ratio: 100,
} as const;

const ManifestSchema = z.object({
  format: z.literal('rnn-workbench-archive'),
  version: z.literal(1),
  app: z.string(),
  createdAt: z.string(),
  files: z.array(z.object({ path: z.string(), size: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })).max(LIMITS.entries),
});

const CheckpointManifestSchema = z.object({
  step: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  batchInEpoch: z.number().int().nonnegative(),
  bestValLoss: z.number().nullable(),
  sinceBest: z.number().int().nonnegative(),
  tensors: z.array(z.object({ group: z.enum(['model', 'optimizer']), name: z.string(), shape: z.array(z.number().int().nonnegative()), offset: z.number().int().nonnegative(), length: z.number().int().nonnegative() })),
});

/** The only paths a session archive may hold. */
const ALLOWED = /^(session\.json|metrics\.jsonl|eval\.jsonl|checkpoints\/\d{6,}\/(model\.json|weights\.bin))$/;

export class ArchiveError extends Error {}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Files of a session that travel: everything but older checkpoints. */
function sessionFiles(dir: string): string[] {
  const files: string[] = [FILES.session, FILES.metrics, FILES.eval].filter((f) => existsSync(join(dir, f)));
  const latest = listCheckpoints(dir).at(-1);
  if (latest) files.push(`checkpoints/${latest}/model.json`, `checkpoints/${latest}/weights.bin`);
  return files;
}

export function exportSession(dir: string, outFile: string): { files: number; bytes: number } {
  if (!existsSync(join(dir, FILES.session))) throw new ArchiveError(`${dir} is not a session: it has no ${FILES.session}`);
  const entries: Record<string, Uint8Array> = {};
  const files = sessionFiles(dir).map((path) => {
    const bytes = new Uint8Array(readFileSync(join(dir, path)));
    entries[path] = bytes;
    return { path, size: bytes.length, sha256: sha256(bytes) };
  });
  const manifest = { format: 'rnn-workbench-archive', version: 1, app: APP_VERSION, createdAt: new Date().toISOString(), files };
  entries['manifest.json'] = new TextEncoder().encode(JSON.stringify(manifest, null, 2));
  const zip = zipSync(entries, { level: 6 });
  atomicWrite(outFile, zip);
  return { files: files.length, bytes: zip.length };
}

interface CentralEntry {
  name: string;
  compressedSize: number;
  size: number;
  unixMode: number;
}

/** Reads the zip's central directory (names, sizes, unix modes) without inflating anything. */
export function centralDirectory(zip: Uint8Array, file: string): CentralEntry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ArchiveError(`${file} is not a session archive (no zip directory found)`);
  const count = view.getUint16(eocd + 10, true);
  if (count > LIMITS.entries) throw new ArchiveError(`${file} holds ${count} entries; at most ${LIMITS.entries} are allowed`);
  let at = view.getUint32(eocd + 16, true);
  const out: CentralEntry[] = [];
  for (let k = 0; k < count; k++) {
    if (at + 46 > zip.length || view.getUint32(at, true) !== 0x02014b50) throw new ArchiveError(`${file}: the zip directory is damaged`);
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    out.push({
      compressedSize: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      unixMode: view.getUint32(at + 38, true) >>> 16,
      name: new TextDecoder().decode(zip.subarray(at + 46, at + 46 + nameLen)),
    });
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

function checkEntryNames(entries: CentralEntry[], file: string): void {
  let total = 0;
  for (const e of entries) {
    const n = e.name;
    if (n.includes('\\') || n.startsWith('/') || /^[a-zA-Z]:/.test(n) || n.split('/').some((p) => p === '..' || p === '.')) {
      throw new ArchiveError(`${file}: refused entry "${n}": paths must stay inside the session (no "..", absolute or drive paths)`);
    }
    if ((e.unixMode & 0o170000) === 0o120000) throw new ArchiveError(`${file}: refused entry "${n}": symbolic links are not allowed`);
    if (n.endsWith('/')) continue; // a folder entry
    if (/\.(zip|rnnwb|gz|tgz|tar|7z)$/i.test(n)) throw new ArchiveError(`${file}: refused entry "${n}": nested archives are not allowed`);
    if (n !== 'manifest.json' && !ALLOWED.test(n)) throw new ArchiveError(`${file}: refused entry "${n}": not a file a session holds`);
    if (e.compressedSize > 0 && e.size / e.compressedSize > LIMITS.ratio && e.size > 64 * 1024) {
      throw new ArchiveError(`${file}: refused entry "${n}": it expands ${Math.round(e.size / e.compressedSize)}× (a zip bomb?); at most ${LIMITS.ratio}× is allowed`);
    }
    total += e.size;
    if (total > LIMITS.totalBytes) throw new ArchiveError(`${file}: its entries declare more than ${LIMITS.totalBytes / 2 ** 30} GiB`);
  }
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (e) {
    throw new ArchiveError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Every file against its schema (and checkpoints against their weights). */
function validateContents(files: Unzipped, file: string): void {
  for (const [path, bytes] of Object.entries(files)) {
    const where = `${file}: ${path}`;
    if (path === FILES.session) {
      const r = SessionFileSchema.safeParse(parseJson(bytes, where));
      if (!r.success) throw new ArchiveError(`${where} does not match the session format (${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message})`);
    } else if (path === FILES.metrics || path === FILES.eval) {
      const schema = path === FILES.metrics ? MetricRecordSchema : LengthCurveSchema;
      const lines = new TextDecoder().decode(bytes).split('\n');
      lines.forEach((line, i) => {
        if (line.trim() === '') return;
        const r = schema.safeParse(parseJson(new TextEncoder().encode(line), `${where} line ${i + 1}`));
        if (!r.success) throw new ArchiveError(`${where} line ${i + 1} does not match its schema (${r.error.issues[0]?.message})`);
      });
    } else if (path.endsWith('model.json')) {
      const r = CheckpointManifestSchema.safeParse(parseJson(bytes, where));
      if (!r.success) throw new ArchiveError(`${where} does not match the checkpoint format`);
      const weights = files[path.replace(/model\.json$/, 'weights.bin')];
      const floats = (weights?.length ?? 0) / 4;
      if (!weights || r.data.tensors.some((t) => t.offset + t.length > floats || t.length !== t.shape.reduce((a, b) => a * b, 1))) {
        throw new ArchiveError(`${where}: its tensors do not fit weights.bin`);
      }
    }
  }
}

/** Imports an archive into a new folder under `parent`; returns that folder. */
export function importSession(archive: string, parent: string): string {
  const file = basename(archive);
  const size = statSync(archive).size;
  if (size > LIMITS.archiveBytes) throw new ArchiveError(`${file} is ${Math.round(size / 2 ** 20)} MiB; archives up to ${LIMITS.archiveBytes / 2 ** 20} MiB are accepted`);
  const zip = new Uint8Array(readFileSync(archive));
  const entries = centralDirectory(zip, file);
  checkEntryNames(entries, file);
  const declared = new Map(entries.map((e) => [e.name, e.size]));
  let files: Unzipped;
  try {
    files = unzipSync(zip, { filter: (f) => !f.name.endsWith('/') });
  } catch (e) {
    throw new ArchiveError(`${file} could not be unpacked: ${(e as Error).message}`);
  }
  for (const [name, bytes] of Object.entries(files)) {
    if (bytes.length !== declared.get(name)) throw new ArchiveError(`${file}: entry "${name}" holds ${bytes.length} bytes but declares ${declared.get(name)}`);
    if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 3 && bytes[3] === 4) throw new ArchiveError(`${file}: refused entry "${name}": nested archives are not allowed`);
  }
  const manifestBytes = files['manifest.json'];
  if (!manifestBytes) throw new ArchiveError(`${file} has no manifest.json: not a session archive`);
  const manifest = ManifestSchema.safeParse(parseJson(manifestBytes, `${file}: manifest.json`));
  if (!manifest.success) throw new ArchiveError(`${file}: manifest.json does not match the archive format`);
  const listed = new Map(manifest.data.files.map((f) => [f.path, f]));
  const payload: Unzipped = {};
  for (const [name, bytes] of Object.entries(files)) {
    if (name === 'manifest.json') continue;
    const entry = listed.get(name);
    if (!entry) throw new ArchiveError(`${file}: entry "${name}" is not in the manifest`);
    if (entry.size !== bytes.length || entry.sha256 !== sha256(bytes)) throw new ArchiveError(`${file}: entry "${name}" does not match its sha256 in the manifest (damaged or altered)`);
    payload[name] = bytes;
  }
  for (const path of listed.keys()) if (!payload[path]) throw new ArchiveError(`${file}: the manifest lists "${path}" but the archive lacks it`);
  if (!payload[FILES.session]) throw new ArchiveError(`${file} holds no session.json`);
  validateContents(payload, file);

  // Everything checked: write to a temp folder, then rename to a name no session uses yet.
  const session = SessionFileSchema.parse(parseJson(payload[FILES.session], file));
  const base = (session.name || session.id).replace(/[^\w.-]+/g, '-').slice(0, 60) || 'session';
  mkdirSync(parent, { recursive: true });
  let target = join(parent, base);
  for (let k = 2; existsSync(target); k++) target = join(parent, `${base}-${k}`);
  const tmp = join(parent, `.${basename(target)}.importing-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    for (const [path, bytes] of Object.entries(payload)) {
      mkdirSync(join(tmp, path, '..'), { recursive: true });
      writeFileSync(join(tmp, path), bytes);
    }
    mkdirSync(join(tmp, FILES.checkpoints), { recursive: true });
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return target;
}

/** Checks that a folder holds nothing but what an import writes (for tests and the UI). */
export function listSessionFolder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
      else out.push(`${prefix}${e.name}`);
    }
  };
  walk(dir, '');
  return out.sort();
}

