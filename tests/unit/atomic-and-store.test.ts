/** Atomic replace under injected failures, and reading sessions with torn or damaged files. */
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { atomicWrite, realFs, type AtomicFs } from '../../main/sessions/atomic.js';
import { appendLines, FILES, loadSession, readCheckpoint, readSessionFile, SessionError, writeCheckpoint } from '../../main/sessions/store.js';
import { newSession, PARITY_RUN, tempDir } from '../helpers/sessions.js';

describe('atomic write', () => {
  const steps = ['openSync', 'writeSync', 'fsyncSync', 'renameSync'] as const;
  it.each(steps)('a failure at %s leaves the old file byte-identical and no temp file', (step) => {
    const dir = tempDir();
    const path = join(dir, 'session.json');
    writeFileSync(path, 'old contents\n');
    const failing: AtomicFs = { ...realFs, [step]: () => {
      throw new Error(`injected ${step} failure`);
    } } as AtomicFs;
    expect(() => atomicWrite(path, 'new contents\n', failing)).toThrow(`injected ${step} failure`);
    expect(readFileSync(path, 'utf8')).toBe('old contents\n');
    expect(readdirSync(dir)).toEqual(['session.json']);
  });

  it('a successful write fsyncs the file and then its directory', () => {
    const dir = tempDir();
    const synced: string[] = [];
    const opened = new Map<number, string>();
    const spy: AtomicFs = {
      ...realFs,
      openSync: ((p: string, ...rest: unknown[]) => {
        const fd = (realFs.openSync as (...a: unknown[]) => number)(p, ...rest);
        opened.set(fd, p);
        return fd;
      }) as AtomicFs['openSync'],
      fsyncSync: (fd: number) => {
        synced.push(opened.get(fd)!.endsWith('.tmp') ? 'file' : opened.get(fd) === dir ? 'dir' : '?');
        realFs.fsyncSync(fd);
      },
    };
    atomicWrite(join(dir, 'x.json'), '{}', spy);
    expect(synced).toEqual(['file', 'dir']);
    expect(readFileSync(join(dir, 'x.json'), 'utf8')).toBe('{}');
  });
});

describe('session store', () => {
  it('a torn last line of metrics.jsonl is ignored; a damaged line in the middle is an error naming it', () => {
    const dir = newSession(PARITY_RUN);
    const record = { step: 1, epoch: 0, time: 1, loss: 0.7, acc: null, valLoss: null, valMetric: null, gradNorm: 1, gradNormClipped: 1, gradNorms: {}, timestepGrad: null, lr: 0.01, stepsPerSec: 1, examplesPerSec: 32 };
    appendLines(dir, FILES.metrics, [record, { ...record, step: 2 }]);
    appendFileSync(join(dir, FILES.metrics), '{"step":3,"epo');
    expect(loadSession(dir).metrics.map((m) => m.step)).toEqual([1, 2]);
    writeFileSync(join(dir, FILES.metrics), `${JSON.stringify(record)}\nnot json\n${JSON.stringify(record)}\n`);
    expect(() => loadSession(dir)).toThrow(/metrics\.jsonl: line 2:/);
  });

  it('session.json is validated; a folder without one is not a session', () => {
    const dir = newSession(PARITY_RUN);
    expect(readSessionFile(dir).status).toBe('queued');
    writeFileSync(join(dir, FILES.session), '{"format":"something else"}');
    expect(() => readSessionFile(dir)).toThrow(SessionError);
    expect(() => readSessionFile(tempDir())).toThrow(/is not a session: it has no session\.json/);
  });

  it('checkpoints round-trip exactly, are written via a temp folder, only the newest three are kept, and a damaged one says which part is wrong', () => {
    const dir = newSession(PARITY_RUN);
    const make = (step: number) => ({
      step,
      epoch: 1,
      batchInEpoch: 3,
      weights: { W_hh: { shape: [2, 2], values: new Float32Array([step, 0.5, -1.25, 3]) } },
      optimizer: [{ name: 'iter', shape: [], values: new Float32Array([step]) }],
      bestValLoss: 0.5,
      sinceBest: 2,
    });
    for (const step of [10, 20, 30, 40]) writeCheckpoint(dir, make(step));
    expect(readdirSync(join(dir, FILES.checkpoints))).toEqual(['000020', '000030', '000040']);
    const back = readCheckpoint(dir)!;
    expect(back.step).toBe(40);
    expect(Array.from(back.weights.W_hh.values)).toEqual([40, 0.5, -1.25, 3]);
    expect(back.optimizer[0]).toEqual({ name: 'iter', shape: [], values: new Float32Array([40]) });
    expect(existsSync(join(dir, FILES.checkpoints, '.000040.tmp'))).toBe(false);
    // a checkpoint with a part removed by hand: a sentence naming the part, not Node's ENOENT
    const folder = join(dir, FILES.checkpoints, '000040');
    rmSync(join(folder, 'weights.bin'));
    expect(() => readCheckpoint(dir)).toThrow(new SessionError(`${folder}: the checkpoint's weights.bin is missing; delete this checkpoint's folder to use the one before it`));
    writeFileSync(join(folder, 'model.json'), '{');
    expect(() => readCheckpoint(dir)).toThrow(/000040: the checkpoint's model\.json cannot be read \(.*JSON.*\); delete this checkpoint's folder/);
    rmSync(folder, { recursive: true });
    expect(readCheckpoint(dir)!.step).toBe(30);
  });
});
