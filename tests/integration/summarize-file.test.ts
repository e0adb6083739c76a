/**
 * The service reads a large dropped file on a thread of its own (runs/summarize-file.ts): the
 * same summary and the same errors as reading it in-process, while its own event loop stays free.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from '../../main/data/index.js';
import { readFileDataset } from '../../main/runs/data-files.js';
import { IN_THREAD_MAX_BYTES, summarizeFile } from '../../main/runs/summarize-file.js';
import { tsxLoaderUrl } from '../../main/runs/tsx-loader.js';
import { datasetsDir, repoRoot, writeRepeatedSst2 } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/sessions.js';

const dir = tempDir('rnnwb-summary-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function caught(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a failure');
}

/** The longest the event loop went without running a 5 ms timer while `work` ran. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(longest, performance.now() - last);
}

describe('summarizeFile', () => {
  it('gives the summary reading in-process gives: SST-2 train on the thread, the small files here', async () => {
    expect(statSync(resolve(datasetsDir, 'sst2-train.tsv')).size).toBeGreaterThan(IN_THREAD_MAX_BYTES);
    for (const name of ['sst2-dev.tsv', 'sst2-train.tsv', 'daily-min-temperatures.csv']) {
      const path = resolve(datasetsDir, name);
      expect(await summarizeFile(path)).toEqual((await readFileDataset(path)).summary);
    }
    const roles = { label: 'ignore' } as const;
    const path = resolve(datasetsDir, 'sst2-dev.tsv');
    expect(await summarizeFile(path, roles)).toEqual((await readFileDataset(path, roles)).summary);
  });

  it('a validation file read with its training file warns of the examples both hold, on the thread (SST-2 train) as in-process (SST-2 dev)', async () => {
    const lines = (name: string) => readFileSync(resolve(datasetsDir, name), 'utf8').split(/\r?\n/);
    const [train, dev] = [lines('sst2-train.tsv'), lines('sst2-dev.tsv')];
    // two of SST-2 train's phrases (its lines 3 and 5) between two of dev's sentences
    const val = join(dir, 'val.tsv');
    writeFileSync(val, ['label\tsentence', dev[1], train[2], dev[2], train[4], ''].join('\n'));
    const onThread = await summarizeFile(val, {}, true, resolve(datasetsDir, 'sst2-train.tsv'));
    expect(statSync(resolve(datasetsDir, 'sst2-train.tsv')).size).toBeGreaterThan(IN_THREAD_MAX_BYTES);
    expect(onThread.warnings.filter((w) => w.code === 'validation-overlap')).toEqual([{ code: 'validation-overlap', message: '2 of 4 validation examples (50 %) also occur in the training file (the first on line 3 of the validation file): their accuracy measures recall of training examples, not generalization' }]);
    // dev's own sentences, checked against dev (small: read here)
    const inProcess = await summarizeFile(val, {}, true, resolve(datasetsDir, 'sst2-dev.tsv'));
    expect(inProcess.warnings.find((w) => w.code === 'validation-overlap')?.message).toMatch(/^2 of 4 validation examples \(50 %\) also occur in the training file \(the first on line 2 of the validation file\)/);
    // without the training file, no such warning
    expect((await summarizeFile(val, {}, true)).warnings.some((w) => w.code === 'validation-overlap')).toBe(false);
  });

  it('starts its thread from any current folder (tsx is found from this package, not from where the user stands)', () => {
    const script = `const { summarizeFile } = await import(${JSON.stringify(pathToFileURL(resolve(repoRoot, 'main/runs/summarize-file.ts')).href)});
      const s = await summarizeFile(${JSON.stringify(resolve(datasetsDir, 'sst2-train.tsv'))});
      console.log(s.rows, s.task);`;
    const r = spawnSync(process.execPath, ['--import', tsxLoaderUrl(), '--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('67349 text-classification');
  });

  it('fails with the DataError reading in-process raises: file, line, code and words', async () => {
    // 3 MB, so the thread reads it; its last row has a field too many
    const broken = join(dir, 'broken.csv');
    writeFileSync(broken, `text,label\n${'good film with a long enough review,1\n'.repeat(80_000)}bad film,0,extra\n`);
    expect(statSync(broken).size).toBeGreaterThan(IN_THREAD_MAX_BYTES);
    const there = await caught(summarizeFile(broken));
    const here = await caught(readFileDataset(broken));
    expect(there).toBeInstanceOf(DataError);
    expect(there.message).toBe('broken.csv: line 80002: this row has 3 fields, expected 2 ("text", "label")');
    expect({ ...(there as DataError) }).toEqual({ ...(here as DataError) });
    const small = join(dir, 'small.csv');
    writeFileSync(small, 'text,label\ngood film,1\nbad film,0,extra\n');
    expect((await caught(summarizeFile(small))).message).toBe('small.csv: line 3: this row has 3 fields, expected 2 ("text", "label")');
    const missing = await caught(summarizeFile(join(dir, 'nope.tsv')));
    expect(missing).toBeInstanceOf(DataError);
    expect(missing.message).toMatch(/^nope\.tsv: cannot open .*nope\.tsv: no such file$/);
    const badRole = await caught(summarizeFile(broken, { zz: 'label' }));
    expect(badRole.message).toBe((await caught(readFileDataset(broken, { zz: 'label' }))).message);
  });

  it('leaves the calling thread free while a large file is read; the same read in-process stalls it', async () => {
    // 30 MB of SST-2 phrases: parsing and analysing it is seconds of synchronous work
    const big = join(dir, 'big.tsv');
    writeRepeatedSst2(big, 8);
    const inProcess = await longestStall(() => readFileDataset(big));
    const inThread = await longestStall(() => summarizeFile(big));
    expect(inProcess).toBeGreaterThan(500);
    // (generous: other test files share these cores)
    expect(inThread).toBeLessThan(Math.min(500, inProcess / 2));
  });
});
