/** The CLI as a newcomer runs it: a real process through the installed bin entry. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParamTableSchema, BackendReportSchema } from '../../main/contract.js';
import { datasetsDir, repoRoot } from '../helpers/fixtures.js';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [resolve(repoRoot, 'bin/rnn-workbench.js'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('rnn-workbench CLI', () => {
  it('params prints the page’s table', () => {
    const r = cli('params', '--input', '128', '--hidden', '256', '--lengths', '10,100,1000');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^10\s+98,560\s+985,600\s+10 : 1$/m);
    expect(r.out).toMatch(/^100\s+98,560\s+9,856,000\s+100 : 1$/m);
    expect(r.out).toMatch(/^1000\s+98,560\s+98,560,000\s+1,000 : 1$/m);
    expect(r.out).toContain('nn.RNN convention (two biases): 98,816');
  });
  it('params --json is machine-readable and valid against the contract', () => {
    const r = cli('params', '--input', '128', '--hidden', '256', '--lengths', '10,100,1000', '--json');
    expect(r.code).toBe(0);
    const table = ParamTableSchema.parse(JSON.parse(r.out));
    expect(table.rows.map((row) => [row.length, row.shared, row.unshared])).toEqual([
      [10, 98_560, 985_600],
      [100, 98_560, 9_856_000],
      [1000, 98_560, 98_560_000],
    ]);
  });
  it.each([
    [['params', '--hidden', '256'], /--input is required/],
    [['params', '--input', 'abc', '--hidden', '256'], /--input must be a positive whole number, got "abc"/],
    [['params', '--input', '4', '--hidden', '8', '--lengths', '10,,20'], /comma-separated list/],
    [['params', '--input', '4', '--hidden', '8', '--cell', 'rnn'], /--cell must be tanh, gru or lstm/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['params', '--bogus'], /rnn-workbench: params does not take --bogus; it takes --input, --hidden, --lengths, --cell, --json/],
    [['experiment', 'cyclic-features', '--data-dir', '/no/such/folder'], /rnn-workbench: --data-dir \/no\/such\/folder: no such folder/],
    [['serve', '--data-dir', '/no/such/folder'], /rnn-workbench: --data-dir \/no\/such\/folder: no such folder/],
    [['train', '--task', 'parity', '--session', resolve(repoRoot, 'package.json')], /package\.json is a file, not a folder; choose a folder for the session/],
    [['train', '--task', 'parity', '--lr', '1e9'], /rnn-workbench: --lr 1000000000: too big: expected number to be <=10/],
    [['train', '--task', 'parity', '--eval-lengths', '20,1000000'], /rnn-workbench: --eval-lengths 1000000: too big: expected number to be <=100000/],
    [['train', '--data', resolve(repoRoot, 'package.json'), '--clocks', '12mo,5y'], /rnn-workbench: --clocks 5y: invalid option: expected one of "24h"\|"7d"\|"365d"\|"12mo"/],
    [['inspect', resolve(repoRoot, 'package.json', 'x.csv')], /x\.csv: cannot open .*package\.json\/x\.csv: a part of the path is a file, not a folder/],
  ])('%j fails with one clear sentence and exit code 2', (args, message) => {
    const r = cli(...args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n')).toHaveLength(1);
  });
  it('backend --json reports what runs and why faster backends did not', () => {
    const r = cli('backend', '--json');
    expect(r.code).toBe(0);
    const report = BackendReportSchema.parse(JSON.parse(r.out));
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(report.backend);
    // every backend faster than the one chosen is listed with its reason
    const order = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
    expect(report.tried.map((t) => t.name)).toEqual(order.slice(0, order.indexOf(report.backend)));
    // an absent native package is named with what installs it (here their install cannot download libtensorflow)
    if (!existsSync(resolve(repoRoot, 'node_modules/@tensorflow/tfjs-node-gpu'))) {
      expect(report.tried.find((t) => t.name === 'tensorflow-gpu')?.error).toBe('not installed: `npm install @tensorflow/tfjs-node-gpu` downloads libtensorflow (network) and runs on CUDA 11.2 with cuDNN 8.1');
    }
    // on wasm the engine's SIMD kernels run, with FMA: the CLI turns relaxed SIMD on (Node 20)
    expect(report.simd).toBe(report.backend === 'wasm' ? 'relaxed-simd-fma' : undefined);
    expect(cli('backend').out).toContain(report.backend === 'wasm' ? 'wasm on cpu, SIMD kernels with FMA' : `${report.backend} on`);
    // webgpu is never the default; the report says whether a GPU answers there, or why not
    // (no GPU here: no Vulkan at all, or only Mesa's software one, which does not count)
    const gpu = (JSON.parse(r.out) as { webgpu?: { adapter?: string; error?: string } }).webgpu;
    if (report.device === 'cpu') expect(gpu?.adapter ?? gpu?.error).toMatch(/\w/);
    expect(cli('backend').out).toMatch(/^webgpu(: | unavailable \()/m);
  });
});

describe('train → eval → export → import, as a newcomer types them', () => {
  it('train --task parity --json streams records; eval reaches lengths 10…1000; the archive imports', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { LengthCurveSchema, MetricRecordSchema } = await import('../../main/contract.js');
    const root = mkdtempSync(join(tmpdir(), 'rnnwb-cli-'));
    const session = join(root, 's');
    const train = cli('train', '--task', 'parity', '--model', 'shared', '--epochs', '1', '--session', session, '--json');
    expect(train.code).toBe(0);
    const lines = train.out.trim().split('\n').map((l) => JSON.parse(l));
    const metrics = lines.filter((l) => l.type === 'metrics');
    expect(metrics.length).toBeGreaterThan(10);
    metrics.forEach(({ type: _t, ...r }) => MetricRecordSchema.parse(r));
    expect(lines.at(-1)).toEqual({ type: 'done', status: 'completed', session, error: null });
    const evaluated = cli('eval', '--session', session, '--lengths', '10,50,150,1000', '--json');
    expect(evaluated.code).toBe(0);
    const curve = LengthCurveSchema.parse(JSON.parse(evaluated.out));
    expect(curve.points.map((p) => [p.length, p.status, p.n])).toEqual([
      [10, 'ok', 256],
      [50, 'ok', 256],
      [150, 'ok', 256],
      [1000, 'ok', 256],
    ]);
    // a length one generated sequence of which would not fit is refused (it filled the heap, then aborted the worker)
    const tooLong = cli('eval', '--session', session, '--lengths', '10,3000000');
    expect([tooLong.code, tooLong.err.trim()]).toEqual([2, 'rnn-workbench: task "parity": evaluating at length 3,000,000 would need about 2.9 GiB for one sequence (a tanh of 64 units keeps about 1.0 KiB a step); at most 2.0 GiB is supported, so lengths up to 2,080,895']);
    // an output into a folder that is not there, or onto a folder, is named as such (not as ENOENT on a temp file)
    const nowhere = cli('export', '--session', session, '--out', join(root, 'no', 's.rnnwb'));
    expect([nowhere.code, nowhere.err.trim()]).toEqual([2, `rnn-workbench: --out ${join(root, 'no', 's.rnnwb')}: the folder ${join(root, 'no')} does not exist`]);
    expect(cli('export', '--session', session, '--csv', root).err.trim()).toBe(`rnn-workbench: --csv ${root} is a folder; give a file name`);
    const exported = cli('export', '--session', session, '--out', join(root, 's.rnnwb'), '--csv', join(root, 's.csv'));
    expect(exported.code).toBe(0);
    const imported = cli('import', join(root, 's.rnnwb'), '--into', join(root, 'imported'), '--json');
    expect(imported.code).toBe(0);
    expect(JSON.parse(imported.out).session).toBe(join(root, 'imported', 'shared-on-parity'));
  });

  it('the unshared model shows "no weights" past its max length instead of failing', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const session = join(mkdtempSync(join(tmpdir(), 'rnnwb-cli-')), 's');
    expect(cli('train', '--task', 'parity', '--model', 'unshared', '--max-len', '20', '--epochs', '1', '--session', session).code).toBe(0);
    const r = cli('eval', '--session', session, '--lengths', '10,150');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\s+150 {3}no weights for these positions \(unshared model\)$/m);
  });

  it('a JSONL of multivariate sequences (3 numbers a step) trains a model with 3 inputs a step, and eval reads the file again', async () => {
    const { mkdtempSync, readFileSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const root = mkdtempSync(join(tmpdir(), 'rnnwb-cli-'));
    // the class is the sign of the third feature; lengths 4–12
    const rows = Array.from({ length: 120 }, (_, i) => {
      const sign = i % 2 ? 1 : -1;
      return JSON.stringify({ x: Array.from({ length: 4 + (i % 9) }, (_, t) => [Math.sin(i + t), Math.cos(i * t), sign * (0.5 + ((i * 7 + t) % 5) / 10)]), label: sign > 0 ? 'up' : 'down' });
    });
    const data = join(root, 'motion.jsonl');
    writeFileSync(data, `${rows.join('\n')}\n{"x": [[1, 2]], "label": "up"}\n`);
    const inspect = cli('inspect', data);
    expect(inspect.out).toContain('lengths (steps): min 4, median 8, max 12 over 120 sequences, 3 numbers a step');
    expect(inspect.out).toContain('1 rows skipped ("x" has 2 numbers a step where most rows have 3); first at line 121');
    const session = join(root, 's');
    const r = cli('train', '--data', data, '--epochs', '8', '--hidden', '16', '--lr', '0.02', '--eval-lengths', '6,12', '--session', session);
    expect(r.code, r.err).toBe(0);
    const saved = JSON.parse(readFileSync(join(session, 'session.json'), 'utf8'));
    expect(saved.model.input).toEqual({ type: 'features', size: 3 });
    // 16·3 + 16·16 + 16 recurrent, 2·16 + 2 head
    expect(saved.params).toBe(48 + 256 + 16 + 34);
    expect(r.out).toMatch(/^\s+12 {3}accuracy (0\.9\d\d|1\.000)/m);
    const again = cli('eval', '--session', session, '--lengths', '12');
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/^\s+12 {3}accuracy (0\.9\d\d|1\.000)/m);
  });

  it('--val: a validation file of one class validates a run (its classes come from the training file); one sharing examples with it trains, saying how many; one of another kind, width or with an unknown label is refused by name', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const root = mkdtempSync(join(tmpdir(), 'rnnwb-cli-'));
    const file = (name: string, text: string) => (writeFileSync(join(root, name), text), join(root, name));
    const dev = join(datasetsDir, 'sst2-dev.tsv');
    // other column names than the training file's, and only positives
    const positives = file('positives.tsv', 'sentence\tlabel\na gorgeous , witty film\t1\nfunny and touching\t1\none of the year \'s best\t1\n');
    const ok = cli('train', '--data', dev, '--val', positives, '--epochs', '1', '--hidden', '8', '--eval-lengths', '10', '--session', join(root, 'a'), '--json');
    expect(ok.code, ok.err).toBe(0);
    const curve = ok.out.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.type === 'eval').curve;
    expect(curve.points).toEqual([expect.objectContaining({ length: 10, n: 3 })]);
    // the validation file's fingerprint is kept too: changed, eval refuses it; restored, eval runs
    const { readFileSync, appendFileSync } = await import('node:fs');
    const kept = readFileSync(positives);
    appendFileSync(positives, 'a joy\t1\n');
    const changed = cli('eval', '--session', join(root, 'a'), '--lengths', '10');
    expect(changed.code).toBe(2);
    expect(changed.err).toMatch(/^rnn-workbench: positives\.tsv: the validation file changed since this session was validated on it \(sha256 [0-9a-f]{12}… then, [0-9a-f]{12}… now\): evaluating would not measure what the run measured\. Restore the file, or train a new session on it$/m);
    writeFileSync(positives, kept);
    expect(cli('eval', '--session', join(root, 'a'), '--lengths', '10').out).toMatch(/^\s+10 {3}accuracy \d\.\d{3} .* n=3 /m);
    // a validation file sharing examples with the training file trains, saying how many and where the first is
    expect(ok.err).not.toMatch(/also occur in the training file/);
    expect(JSON.parse(readFileSync(join(root, 'a', 'session.json'), 'utf8')).dataset.validationOverlap).toBeUndefined();
    const devLines = readFileSync(dev, 'utf8').split('\n');
    const copied = (line: number) => devLines[line - 1].split('\t').reverse().join('\t');
    const shared = file('shared.tsv', `sentence\tlabel\na gorgeous , witty film\t1\n${copied(2)}\n${copied(6)}\n`);
    const leak = cli('train', '--data', dev, '--val', shared, '--epochs', '1', '--hidden', '8', '--eval-lengths', '10', '--session', join(root, 'leak'));
    expect(leak.code, leak.err).toBe(0);
    expect(leak.err).toContain('shared.tsv: 2 of 3 validation examples (67 %) also occur in the training file (the first on line 3 of the validation file): their accuracy measures recall of training examples, not generalization');
    expect(JSON.parse(readFileSync(join(root, 'leak', 'session.json'), 'utf8')).dataset.validationOverlap).toEqual({ count: 2, of: 3, firstLine: 3 });
    const refused = (val: string, data = dev) => {
      const r = cli('train', '--data', data, '--val', val, '--epochs', '1', '--session', join(root, `s${Math.random()}`));
      expect(r.code).toBe(1);
      return r.err.trim().split('\n').at(-1);
    };
    expect(refused(file('three.csv', 'text,label\ngood,1\nbad,0\nmeh,neutral\n'))).toBe('training failed: three.csv: label "neutral" does not occur in the training file (sst2-dev.tsv: "0", "1")');
    const seq = file('seq.jsonl', '{"x": [[1, 2], [3, 4]], "label": 1}\n{"x": [[1, 0]], "label": 0}\n');
    expect(refused(seq)).toBe('training failed: seq.jsonl: the validation file is a sequence classification file, the training file (sst2-dev.tsv) a text classification file');
    expect(refused(file('wide.jsonl', '{"x": [[1, 2, 3]], "label": 1}\n'), seq)).toBe("training failed: wide.jsonl: its sequences have 3 numbers a step, the training file's 2");
    // sequences are the same input when their numbers are
    const seqVal = file('seq-val.jsonl', '{"x": [[5, 5]], "label": 1}\n{"x": [[1, 0.0]], "label": 0}\n');
    const seqLeak = cli('train', '--data', seq, '--val', seqVal, '--epochs', '1', '--hidden', '4', '--eval-lengths', '1', '--session', join(root, 'seq-leak'));
    expect(seqLeak.code, seqLeak.err).toBe(0);
    expect(seqLeak.err).toContain('seq-val.jsonl: 1 of 2 validation examples (50 %) also occur in the training file (the first on line 2 of the validation file)');
    expect(refused(join(datasetsDir, 'sst2-dev.tsv'))).toBe('training failed: sst2-dev.tsv: this is the training file itself (the same bytes as sst2-dev.tsv): validating on it would score the examples the model trains on; choose a held-out file, or none to hold out 10 % of the training file');
    expect(refused(positives, join(datasetsDir, 'AirPassengers.csv'))).toBe('training failed: positives.tsv: a validation file is for classification; a forecast of AirPassengers.csv is validated on the last 10 % of each series');
  });

  it.each([
    [['--seq-len', '1-100000'], 'task "parity": 2,000 sequences of 1–100,000 steps are about 100 M steps; at most 20 M are supported: use fewer or shorter sequences'],
    [['--seq-len', '2-19000', '--cell', 'lstm'], /^task "parity": a training step on its longest sequence \(\d{2},\d{3} steps\) in batches of 32 with hidden size 64 needs about 2\.\d GiB \(every step's state is kept for the backward pass\); at most 2\.0 GiB is supported: use shorter sequences, a smaller batch or a smaller hidden size$/],
    [['--model', 'unshared', '--max-len', '100000'], "task \"parity\": a training step on its longest sequence (20 steps) in batches of 32 with hidden size 64 needs about 6.3 GiB (6.3 GiB of it for the weights of 100,000 positions, with their gradients and Adam's moments); at most 2.0 GiB is supported: use a smaller max length or hidden size"],
  ])('a run too large for memory (%j) fails before its first step, saying what it needs and what to shrink (it aborted the worker)', async (flags, said) => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const session = join(mkdtempSync(join(tmpdir(), 'rnnwb-cli-')), 's');
    const r = cli('train', '--task', 'parity', ...flags, '--steps', '1', '--session', session);
    expect(r.code, r.err).toBe(1);
    const error = JSON.parse(readFileSync(join(session, 'session.json'), 'utf8')).error;
    if (typeof said === 'string') expect(error).toBe(said);
    else expect(error).toMatch(said);
  });

  it('data longer than the unshared model has weights for is refused before the first step, saying how long it is', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const session = join(mkdtempSync(join(tmpdir(), 'rnnwb-cli-')), 's');
    const r = cli('train', '--data', join(datasetsDir, 'sst2-dev.tsv'), '--model', 'unshared', '--max-len', '10', '--epochs', '1', '--session', session);
    expect(r.code).toBe(1);
    const said = 'sst2-dev.tsv: its longest sequence has 52 tokens, but the unshared model has weights for positions 1–10 (max length 10); raise the max length to at least 52, or train a shared model';
    expect(r.err).toContain(`training failed: ${said}`);
    expect(r.err).not.toMatch(/^step /m);
    expect(JSON.parse(readFileSync(join(session, 'session.json'), 'utf8'))).toMatchObject({ status: 'failed', error: said, progress: { step: 0 } });
  });

  it('a large file says what it is doing while it loads, then trains as any file does', async () => {
    const { mkdtempSync, statSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { writeRepeatedSst2 } = await import('../helpers/fixtures.js');
    const { LARGE_FILE_BYTES } = await import('../../main/runs/load-notices.js');
    const root = mkdtempSync(join(tmpdir(), 'rnnwb-cli-'));
    // SST-2's phrases five times over: 19 MB, past LARGE_FILE_BYTES
    const big = join(root, 'big.tsv');
    writeRepeatedSst2(big, 5);
    expect(statSync(big).size).toBeGreaterThan(LARGE_FILE_BYTES);
    const r = cli('train', '--data', big, '--steps', '1', '--eval-lengths', '5', '--session', join(root, 's'));
    expect(r.code).toBe(0);
    const said = r.err.split('\n');
    const at = (pattern: RegExp) => said.findIndex((l) => pattern.test(l));
    const order = [/^reading big\.tsv$/, /^parsing big\.tsv$/, /^preparing 336,745 rows of big\.tsv$/, /^data ready in \d+\.\d s: 303,071 training and 33,674 validation examples$/, /^step 1\/1 /].map(at);
    expect(order.every((i) => i >= 0), r.err).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('--validate-every and --early-stopping: the run stops once validation stops improving, its checkpoint at the last step', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const session = join(mkdtempSync(join(tmpdir(), 'rnnwb-cli-')), 's');
    const r = cli('train', '--task', 'parity', '--count', '1200', '--hidden', '16', '--cell', 'gru', '--epochs', '50', '--lr', '0.2', '--validate-every', '5', '--early-stopping', '2', '--seed', '42', '--session', session, '--json');
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.some((l) => l.type === 'status' && /^early stopping: validation loss has not improved for 2 validations$/.test(l.message ?? ''))).toBe(true);
    const records = lines.filter((l) => l.type === 'metrics');
    const validated = records.filter((m) => m.valLoss !== null).map((m) => m.step);
    // every 5 steps (and at each epoch's end), and the run ended well before 50 epochs
    expect(validated.slice(0, 3)).toEqual([5, 10, 15]);
    const last = records.at(-1).step;
    expect(last).toBeLessThan(50 * 34);
    const { readCheckpoint } = await import('../../main/sessions/store.js');
    expect(readCheckpoint(session)!.step).toBe(last);
  });

  it('bad train flags fail in one sentence', () => {
    const r = cli('train', '--task', 'sorting');
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe('rnn-workbench: --task must be one of parity, adding, recall, keyword, position, got "sorting"');
    expect(cli('train', '--epochs', '3').err).toMatch(/exactly one of --task NAME or --data FILE/);
    expect(cli('train', '--task', 'parity', '--early-stopping', '0').err.trim()).toBe('rnn-workbench: --early-stopping must be a positive whole number, got "0"');
  });

  it('a flag the command or the run would ignore is refused, saying what it applies to', () => {
    const said = (...args: string[]) => {
      const r = cli(...args);
      expect(r.code).toBe(2);
      return r.err.trim();
    };
    // each command takes the flags its help line lists
    expect(said('eval', '--session', 'x', '--steps', '3')).toBe('rnn-workbench: eval does not take --steps; it takes --session, --lengths, --json');
    expect(said('inspect', 'a.csv', '--hidden', '3')).toBe('rnn-workbench: inspect does not take --hidden; it takes --role, --json');
    // an option no command has, in the same words rather than Node's
    expect(said('eval', '--sesion', 'x')).toBe('rnn-workbench: eval does not take --sesion; it takes --session, --lengths, --json');
    expect(said('--x')).toBe("rnn-workbench: unknown option --x; run rnn-workbench --help for each command's options");
    // train's flags for another kind of run
    expect(said('train', '--task', 'parity', '--window', '10')).toBe('rnn-workbench: --window applies only to --data with a numeric series to forecast; this run would ignore it');
    expect(said('train', '--task', 'parity', '--val', 'dev.tsv')).toMatch(/--val applies only to --data/);
    expect(said('train', '--data', resolve(datasetsDir, 'sst2-dev.tsv'), '--seq-len', '2-5')).toMatch(/--seq-len applies only to --task/);
    expect(said('train', '--task', 'parity', '--kernel', '5')).toMatch(/--kernel applies only to --model conv/);
    expect(said('train', '--task', 'parity', '--periods', '24')).toMatch(/--periods applies only to --position cyclic/);
    expect(said('train', '--resume', '--session', 'x', '--lr', '0.1')).toBe("rnn-workbench: --resume goes on with the session's own settings (--epochs and --steps may raise its limits); --lr would be ignored (start a new session to change it)");
  });

  it('trains from any folder; a completed run trained further (--resume --epochs/--steps) takes the very steps of one trained that long at once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnnwb-cli-extend-'));
    // run where the user stands: not this repository
    const run = (...args: string[]) => spawnSync(process.execPath, [resolve(repoRoot, 'bin/rnn-workbench.js'), ...args], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    const task = ['--task', 'parity', '--count', '640', '--parallel', 'off', '--validate-every', '5'];
    const losses = (name: string) => readFileSync(join(dir, name, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).map((m) => [m.step, m.loss, m.valLoss]);
    // 18 steps an epoch: the first stops at step 25, mid-epoch 2; then on to 2 epochs (36), then 3
    expect(run('train', ...task, '--epochs', '2', '--steps', '25', '--session', 'a').status).toBe(0);
    expect(run('train', '--resume', '--session', 'a', '--steps', '36').status).toBe(0);
    expect(run('train', '--resume', '--session', 'a', '--epochs', '3', '--steps', '60').status).toBe(0);
    expect(run('train', ...task, '--epochs', '3', '--session', 'b').status).toBe(0);
    const [a, b] = [losses('a'), losses('b')];
    expect(a.map((m) => m[0])).toEqual(Array.from({ length: 54 }, (_, i) => i + 1));
    // the same loss at every step; validation where both validated (a also at each of its ends)
    expect(a.map((m) => m[1])).toEqual(b.map((m) => m[1]));
    for (const [i, m] of b.entries()) if (m[2] !== null) expect(a[i][2]).toBe(m[2]);
    expect(JSON.parse(readFileSync(join(dir, 'a', 'session.json'), 'utf8')).config.train).toMatchObject({ epochs: 3, maxSteps: 60 });
    // limits that leave nothing to train are refused, saying what to raise
    expect(run('train', '--resume', '--session', 'a', '--epochs', '3').stderr.trim()).toBe('rnn-workbench: this run has trained 3 epochs: raise epochs past 3 to train further');
    expect(run('train', '--resume', '--session', 'a').stderr.trim()).toBe(`rnn-workbench: ${join(dir, 'a')} has completed; to train it further give --epochs or --steps past its 3 epochs and 60 steps`);
    // early stopping ended this one within its limits: trained further, its patience counts afresh
    const progress = () => JSON.parse(readFileSync(join(dir, 'e', 'session.json'), 'utf8')).progress.step;
    expect(run('train', '--task', 'parity', '--count', '640', '--parallel', 'off', '--validate-every', '2', '--early-stopping', '1', '--epochs', '3', '--session', 'e').status).toBe(0);
    const stoppedAt = progress();
    expect(stoppedAt).toBeLessThan(54);
    expect(run('train', '--resume', '--session', 'e', '--epochs', '3').status).toBe(0);
    expect(progress()).toBeGreaterThan(stoppedAt);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a forecast window or clocks asked of a text file are refused by the run, naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnnwb-cli-window-'));
    const r = cli('train', '--data', resolve(datasetsDir, 'sst2-dev.tsv'), '--window', '10', '--clocks', '24h', '--steps', '1', '--session', join(dir, 's'));
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n').at(-1)).toBe('training failed: sst2-dev.tsv: a window of 10 steps and clocks (24h) apply only to forecasting a numeric series; this is a text classification file');
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('rnn-workbench experiment', () => {
  it('a --data-dir file too short for a demo is named, with what the demo needs (not a crash)', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'rnnwb-data-'));
    writeFileSync(join(dir, 'AirPassengers.csv'), 'date,value\n1949-01-01,112\n1949-02-01,118\n');
    const r = cli('experiment', 'cyclic-features', '--data-dir', dir);
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe("rnn-workbench: AirPassengers: its longest series has 2 steps: too short for this demo's windows of 6 steps in both its first 80 % (training) and its last 20 % (test)");
  });

  it('list names every recipe; NAME --json prints the verdict with its numbers', async () => {
    const { ExperimentResultSchema } = await import('../../main/contract.js');
    const list = cli('experiment', 'list');
    expect(list.code).toBe(0);
    expect(list.out.trim().split('\n')).toHaveLength(17);
    const r = cli('experiment', 'weight-identity', '--json');
    expect(r.code).toBe(0);
    const result = ExperimentResultSchema.parse(JSON.parse(r.out));
    expect(result).toMatchObject({ name: 'weight-identity', reproduced: true, setting: 'quick' });
    expect(cli('experiment', 'nonsense').err).toMatch(/unknown experiment "nonsense"; run rnn-workbench experiment list/);
  });
});
