/** `rnn-workbench inspect` as a user runs it, on real files on disk. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetSummarySchema } from '../../main/contract.js';
import { datasetsDir, repoRoot } from '../helpers/fixtures.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [resolve(repoRoot, 'bin/rnn-workbench.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
const dir = mkdtempSync(join(tmpdir(), 'rnnwb-inspect-'));

describe('rnn-workbench inspect', () => {
  it.each(['sst2-train.tsv', 'sst2-dev.tsv', 'AirPassengers.csv', 'daily-min-temperatures.csv'])('%s: summary as text and as JSON', (name) => {
    const text = cli('inspect', resolve(datasetsDir, name));
    expect(text.code).toBe(0);
    expect(text.out).toContain(`${name} — `);
    const json = cli('inspect', resolve(datasetsDir, name), '--json');
    expect(json.code).toBe(0);
    const summary = DatasetSummarySchema.parse(JSON.parse(json.out));
    expect(summary.file).toBe(name);
    expect(summary.task).toBe(name.startsWith('sst2') ? 'text-classification' : 'forecast');
  });

  it('role overrides from the command line', () => {
    const r = cli('inspect', resolve(datasetsDir, 'AirPassengers.csv'), '--role', 'date=ignore', '--json');
    expect(JSON.parse(r.out).columns.map((c: { role: string }) => c.role)).toEqual(['ignore', 'value']);
    const bad = cli('inspect', resolve(datasetsDir, 'AirPassengers.csv'), '--role', 'date=banana');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--role must look like COLUMN=ROLE/);
  });

  it('a 500 MB file is refused at once, without reading it', () => {
    const path = join(dir, 'huge.csv');
    const fd = openSync(path, 'w');
    ftruncateSync(fd, 500 * 1024 * 1024); // sparse: costs no disk
    closeSync(fd);
    const started = Date.now();
    const r = cli('inspect', path);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe('rnn-workbench: huge.csv: the file is 500 MiB; files up to 128 MiB are supported');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it.each([
    ['ragged.csv', 'text,label\ngood,1\nbad,0,extra\n', 'rnn-workbench: ragged.csv: line 3: this row has 3 fields, expected 2 ("text", "label")'],
    ['empty.tsv', '', 'rnn-workbench: empty.tsv: the file is empty; expected a header and data rows, or one example per line'],
    ['missing.csv', null, 'rnn-workbench: missing.csv: cannot open'],
  ])('%s: one clear sentence on stderr, exit code 2', (name, content, message) => {
    const path = join(dir, name);
    if (content !== null) writeFileSync(path, content);
    const r = cli('inspect', path);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain(message);
  });
});
