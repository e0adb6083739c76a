/**
 * Session archives: a real session exported and imported round-trips; hand-made hostile
 * archives are refused with a clear error and nothing is written.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync, type Zippable } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArchiveError, exportSession, importSession, listSessionFolder } from '../../main/sessions/archive.js';
import { loadSession } from '../../main/sessions/store.js';
import { RunHandle, nodeSpawner } from '../../main/runs/host.js';
import { newSession, PARITY_RUN, tempDir } from '../helpers/sessions.js';

const enc = new TextEncoder();
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
let trained = '';
let session: Uint8Array;

beforeAll(async () => {
  trained = newSession({ ...PARITY_RUN, train: { ...PARITY_RUN.train, epochs: 1 } });
  expect(await new RunHandle(trained, nodeSpawner()).done).toBe('completed');
  session = new Uint8Array(readFileSync(join(trained, 'session.json')));
});

/** A zip with a manifest that lists (and hashes) the given files correctly. */
function archive(files: Record<string, Uint8Array>, extra: Zippable = {}, manifestFiles?: unknown): string {
  const manifest = { format: 'rnn-workbench-archive', version: 1, app: 'test', createdAt: 'now', files: manifestFiles ?? Object.entries(files).map(([path, b]) => ({ path, size: b.length, sha256: sha(b) })) };
  const zip = zipSync({ ...files, ...extra, 'manifest.json': enc.encode(JSON.stringify(manifest)) });
  const path = join(tempDir('rnnwb-arch-'), 'a.rnnwb');
  writeFileSync(path, zip);
  return path;
}

function refuse(path: string, message: RegExp): void {
  const into = tempDir('rnnwb-into-');
  expect(() => importSession(path, into)).toThrow(ArchiveError);
  expect(() => importSession(path, into)).toThrow(message);
  expect(readdirSync(into)).toEqual([]); // nothing written, not even a temp folder
}

describe('session archives', () => {
  it('export → import round-trips every file byte for byte; a second import never overwrites', () => {
    const out = join(tempDir(), 'run.rnnwb');
    const { files } = exportSession(trained, out);
    expect(files).toBe(5);
    const into = tempDir();
    const a = importSession(out, into);
    const b = importSession(out, into);
    expect(b).not.toBe(a);
    for (const f of listSessionFolder(a)) expect(readFileSync(join(a, f))).toEqual(readFileSync(join(trained, f)));
    expect(loadSession(a).metrics).toEqual(loadSession(trained).metrics);
  });

  it.each([
    ['zip slip (..)', { '../evil.txt': enc.encode('x') }, /refused entry "\.\.\/evil\.txt": paths must stay inside/],
    ['absolute path', { '/etc/evil': enc.encode('x') }, /refused entry "\/etc\/evil"/],
    ['drive path', { 'C:/evil': enc.encode('x') }, /refused entry "C:\/evil"/],
    ['unexpected file', { 'run.sh': enc.encode('rm -rf /') }, /refused entry "run\.sh": not a file a session holds/],
    ['nested archive', { 'inner.zip': zipSync({ a: enc.encode('x') }) }, /nested archives are not allowed/],
  ])('%s is refused', (_what, files, message) => {
    refuse(archive({ 'session.json': session, ...files }), message);
  });

  it('a symbolic link entry is refused', () => {
    const path = archive({ 'session.json': session }, { 'metrics.jsonl': [enc.encode('/etc/passwd'), { os: 3, attrs: 0o120777 << 16 }] });
    refuse(path, /refused entry "metrics\.jsonl": symbolic links are not allowed/);
  });

  it('a zip bomb (100 MB of zeros) is refused before it is inflated', () => {
    const bomb = new Uint8Array(100 * 1024 * 1024);
    refuse(archive({ 'session.json': session, 'metrics.jsonl': bomb }), /expands \d+× \(a zip bomb\?\); at most 100× is allowed/);
  });

  it('more than 1,000 entries are refused', () => {
    const many = Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`checkpoints/${String(i).padStart(6, '0')}/model.json`, enc.encode('{}')]));
    refuse(archive({ 'session.json': session, ...many }), /holds 100\d entries; at most 1000 are allowed/);
  });

  it('an entry holding more bytes than it declares is refused', () => {
    const path = archive({ 'session.json': session, 'eval.jsonl': enc.encode('\n'.repeat(100)) });
    const zip = new Uint8Array(readFileSync(path));
    // lower the declared size of eval.jsonl in its central directory record
    const view = new DataView(zip.buffer);
    for (let i = 0; i < zip.length - 4; i++) {
      if (view.getUint32(i, true) === 0x02014b50 && new TextDecoder().decode(zip.subarray(i + 46, i + 46 + 10)) === 'eval.jsonl') view.setUint32(i + 24, 10, true);
    }
    writeFileSync(path, zip);
    refuse(path, /eval\.jsonl|could not be unpacked/);
  });

  it('a bad schema is refused, naming the file and line', () => {
    refuse(archive({ 'session.json': session, 'metrics.jsonl': enc.encode('{"step":"one"}\n') }), /metrics\.jsonl line 1 does not match its schema/);
    refuse(archive({ 'session.json': enc.encode('{"format":"x"}') }), /session\.json does not match the session format/);
  });

  it('a wrong sha256 (altered content) is refused', () => {
    const files = { 'session.json': session };
    const wrong = [{ path: 'session.json', size: session.length, sha256: '0'.repeat(64) }];
    refuse(archive(files, {}, wrong), /entry "session\.json" does not match its sha256 in the manifest/);
  });

  it('not a zip, or no manifest: refused in one sentence', () => {
    const junk = join(tempDir(), 'junk.rnnwb');
    writeFileSync(junk, 'hello, not a zip');
    refuse(junk, /junk\.rnnwb is not a session archive/);
    const path = join(tempDir(), 'nomanifest.rnnwb');
    writeFileSync(path, zipSync({ 'session.json': session }));
    refuse(path, /has no manifest\.json/);
  });

  it('checkpoint tensors must fit their weights file', () => {
    const model = enc.encode(JSON.stringify({ step: 1, epoch: 0, batchInEpoch: 0, bestValLoss: null, sinceBest: 0, tensors: [{ group: 'model', name: 'W', shape: [10, 10], offset: 0, length: 100 }] }));
    const files = { 'session.json': session, 'checkpoints/000001/model.json': model, 'checkpoints/000001/weights.bin': new Uint8Array(16) };
    refuse(archive(files), /its tensors do not fit weights\.bin/);
    expect(existsSync(trained)).toBe(true);
  });
});
