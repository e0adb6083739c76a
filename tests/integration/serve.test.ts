/** The serve bridge's guards, against the real server process: token, Origin, one contract. */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { dataShape, type DatasetSummary, type LengthCurve, type SessionSummary } from '../../main/contract.js';
import { datasetsDir, repoRoot } from '../helpers/fixtures.js';
import { LONG_RUN } from '../helpers/sessions.js';
import { startServe, type Served } from '../helpers/serve.js';

let served: Served;
beforeAll(async () => {
  served = await startServe();
});
afterAll(() => served.stop());

function connect(path: string, origin?: string): Promise<{ ws?: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${served.port}${path}`, { headers: origin ? { origin } : {} });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
    ws.once('error', () => resolve({ status: -1 }));
  });
}

function call(ws: WebSocket, command: unknown): Promise<{ ok: boolean; result?: unknown; error?: string }> {
  return new Promise((resolve) => {
    const id = Math.floor(Math.random() * 1e6);
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data));
      if (frame.id === id) {
        ws.off('message', onMessage);
        resolve(frame);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, command }));
  });
}

describe('rnn-workbench serve', () => {
  const token = () => new URL(served.url).searchParams.get('token')!;
  const origin = () => `http://127.0.0.1:${served.port}`;

  it('listens on loopback with a random port and a per-launch token in the URL', () => {
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
  });

  it('serves the built renderer over HTTP, with no path escape', async () => {
    const page = await fetch(`http://127.0.0.1:${served.port}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="app"></div>');
    expect(page.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect((await fetch(`http://127.0.0.1:${served.port}/..%2f..%2fpackage.json`)).status).toBe(404);
  });

  it('refuses a socket without the token, with a wrong token, or from another origin', async () => {
    expect((await connect('/ws', origin())).status).toBe(401);
    expect((await connect('/ws?token=wrong', origin())).status).toBe(401);
    expect((await connect(`/ws?token=${token()}`, 'http://evil.example')).status).toBe(403);
    expect((await connect(`/ws?token=${token()}`, `http://127.0.0.1:${served.port}.evil.example`)).status).toBe(403);
    expect((await connect(`/ws?token=${token()}`)).status).toBe(403); // no Origin at all
  });

  it('answers contract commands, and refuses anything outside the contract with a clear error', async () => {
    const { ws } = await connect(`/ws?token=${token()}`, origin());
    const table = await call(ws!, { type: 'params.table', input: 128, hidden: 256, lengths: [100] });
    expect(table).toMatchObject({ ok: true, result: { rows: [{ length: 100, shared: 98_560, unshared: 9_856_000 }] } });
    const bad = await call(ws!, { type: 'fs.read', path: '/etc/passwd' });
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(/^invalid command/);
    const missing = await call(ws!, { type: 'sessions.load', id: '../../etc' });
    expect(missing.ok).toBe(false);
    ws!.close();
  });

  it('an uploaded file is stored once by its content, however often it is dropped; a validation file that does not fit is refused and not kept', async () => {
    const { ws } = await connect(`/ws?token=${token()}`, origin());
    const dev = readFileSync(resolve(datasetsDir, 'sst2-dev.tsv'));
    const upload = (name: string, bytes: Buffer, extra: object = {}) => call(ws!, { type: 'data.upload', name, base64: bytes.toString('base64'), ...extra });
    const first = (await upload('sst2-dev.tsv', dev)) as { ok: true; result: { path: string; summary: DatasetSummary } };
    const again = (await upload('sst2-dev.tsv', dev)) as typeof first;
    expect(again.result.path).toBe(first.result.path);
    expect(basename(first.result.path)).toBe(`${createHash('sha256').update(dev).digest('hex').slice(0, 16)}-sst2-dev.tsv`);
    const uploads = dirname(first.result.path);
    expect(readdirSync(uploads)).toEqual([basename(first.result.path)]);
    // the training file's shape, as the Data view sends it with a validation file
    const validationOf = dataShape(first.result.summary);
    const series = await upload('AirPassengers.csv', readFileSync(resolve(datasetsDir, 'AirPassengers.csv')), { validationOf });
    expect(series).toMatchObject({ ok: false, error: 'AirPassengers.csv: the validation file is a forecast file, the training file (sst2-dev.tsv) a text classification file' });
    // refused, it is not kept; the training file's copy stays
    expect(readdirSync(uploads)).toEqual([basename(first.result.path)]);
    // the training file's own bytes as its validation file (under another name, too) are refused: the stored copy stays
    expect(await upload('copy.tsv', dev, { validationOf })).toMatchObject({
      ok: false,
      error: 'copy.tsv: this is the training file itself (the same bytes as sst2-dev.tsv): validating on it would score the examples the model trains on; choose a held-out file, or none to hold out 10 % of the training file',
    });
    expect(readdirSync(uploads)).toEqual([basename(first.result.path)]);
    // a name of spaces is no name
    const renamed = await call(ws!, { type: 'sessions.rename', id: 'x', name: '   ' });
    expect(renamed).toMatchObject({ ok: false, error: 'invalid command (name: a name needs at least one character besides spaces)' });
    ws!.close();
  });

  it('a validation file sharing examples with the training file is said so when chosen and when a run starts; its messages and errors name uploads as the user named them', async () => {
    const { ws } = await connect(`/ws?token=${token()}`, origin());
    const messages: string[] = [];
    ws!.on('message', (data) => {
      const e = JSON.parse(String(data)).event;
      if (e?.type === 'run.status' && e.message) messages.push(e.message);
    });
    const upload = async (name: string, text: string, extra: object = {}) => ((await call(ws!, { type: 'data.upload', name, base64: Buffer.from(text).toString('base64'), ...extra })) as { ok: true; result: { path: string; summary: DatasetSummary } }).result;
    const train = await upload('reviews.tsv', 'label\tsentence\n1\ta gorgeous , witty film\n0\tdull and long\n1\tfunny and touching\n0\ta waste of time\n');
    const val = await upload('held-out.tsv', 'sentence\tlabel\nnothing new here\t0\nFunny and touching\t1\n', { validationOf: dataShape(train.summary), trainingPath: train.path });
    // said when the file is chosen, as the Data view sends it
    expect(val.summary.warnings).toEqual([{ code: 'validation-overlap', message: '1 of 2 validation examples (50 %) also occur in the training file (the first on line 3 of the validation file): their accuracy measures recall of training examples, not generalization' }]);
    // (both are stored as <hash>-<name>: the worker reads them so)
    expect(basename(val.path)).toMatch(/^[0-9a-f]{16}-held-out\.tsv$/);
    const config = { data: { type: 'file', path: train.path, validationPath: val.path }, model: { kind: 'shared', cell: 'tanh', hidden: 8 }, train: { epochs: 1, parallel: 'off' }, evalLengths: [4] };
    const started = (await call(ws!, { type: 'runs.start', config })) as { ok: true; result: { id: string } };
    expect(started.ok).toBe(true);
    for (let i = 0; i < 600 && !messages.some((m) => m.includes('also occur')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(messages.filter((m) => m.includes('also occur'))).toEqual(['held-out.tsv: 1 of 2 validation examples (50 %) also occur in the training file (the first on line 3 of the validation file): their accuracy measures recall of training examples, not generalization']);
    // a run that fails on an upload (emptied on disk since) names it so too: as it fails, in the list and when opened
    const emptied = await upload('emptied.tsv', 'label\tsentence\n1\tfine\n0\tdull\n');
    writeFileSync(emptied.path, '');
    const failing = (await call(ws!, { type: 'runs.start', config: { ...config, data: { type: 'file', path: emptied.path } } })) as { ok: true; result: { id: string } };
    for (let i = 0; i < 600 && !messages.some((m) => m.includes('emptied')); i++) await new Promise((r) => setTimeout(r, 50));
    const said = messages.find((m) => m.includes('emptied'))!;
    expect(said).toMatch(/^emptied\.tsv: /);
    const list = (await call(ws!, { type: 'sessions.list' })) as { ok: true; result: { id: string; error: string | null }[] };
    expect(list.result.find((r) => r.id === failing.result.id)!.error).toBe(said);
    expect(((await call(ws!, { type: 'sessions.load', id: failing.result.id })) as { ok: true; result: { session: { error: string } } }).result.session.error).toBe(said);
    ws!.close();
  });

  it('a run stopped in the app resumes from its checkpoint; one that completed trains further to new limits', async () => {
    const { ws } = await connect(`/ws?token=${token()}`, origin());
    const statuses: { status: string; step: number }[] = [];
    ws!.on('message', (data) => {
      const e = JSON.parse(String(data)).event;
      if (e?.type === 'run.status') statuses.push({ status: e.status, step: e.step });
    });
    const until = async (what: (s: { status: string; step: number }) => boolean) => {
      for (let i = 0; i < 1200 && !statuses.some(what); i++) await new Promise((r) => setTimeout(r, 50));
      const found = statuses.find(what);
      expect(found).toBeDefined();
      statuses.length = 0;
      return found!;
    };
    const started = (await call(ws!, { type: 'runs.start', config: { ...LONG_RUN, train: { ...LONG_RUN.train, parallel: 'off' } } })) as { ok: true; result: { id: string } };
    const id = started.result.id;
    await until((s) => s.status === 'running' && s.step > 0);
    expect(await call(ws!, { type: 'runs.control', id, action: 'stop' })).toMatchObject({ ok: true });
    const stopped = await until((s) => s.status === 'stopped');
    // (it answered, and did nothing, before: the stopped worker's pid was taken for a live run)
    expect(await call(ws!, { type: 'runs.control', id, action: 'resume' })).toMatchObject({ ok: true });
    await until((s) => s.status === 'running' && s.step > stopped.step);
    expect(await call(ws!, { type: 'runs.extend', id, epochs: 60, maxSteps: null })).toMatchObject({ ok: false, error: 'this run is still going; it can train further once it has ended' });
    expect(await call(ws!, { type: 'runs.control', id, action: 'stop' })).toMatchObject({ ok: true });
    const again = await until((s) => s.status === 'stopped');
    // a short limit past where it stopped: it completes there
    expect(await call(ws!, { type: 'runs.extend', id, epochs: 50, maxSteps: again.step })).toMatchObject({ ok: false, error: `this run has trained ${again.step.toLocaleString('en-US')} steps: raise max steps past ${again.step.toLocaleString('en-US')} to train further` });
    expect(await call(ws!, { type: 'runs.extend', id, epochs: 50, maxSteps: again.step + 5 })).toMatchObject({ ok: true });
    expect((await until((s) => s.status === 'completed')).step).toBe(again.step + 5);
    // its length curve at lengths asked now, from the last checkpoint, in a worker of its own
    const curves: unknown[] = [];
    ws!.on('message', (data) => JSON.parse(String(data)).event?.type === 'run.eval' && curves.push(JSON.parse(String(data)).event.curve));
    const evaluated = (await call(ws!, { type: 'runs.evaluate', id, lengths: [10, 60, 300] })) as { ok: true; result: LengthCurve };
    expect(evaluated.ok).toBe(true);
    expect(evaluated.result.step).toBe(again.step + 5);
    expect(evaluated.result.points.map((p) => [p.length, p.n])).toEqual([[10, 256], [60, 256], [300, 256]]);
    for (const p of evaluated.result.points) expect(p.metric).toBeGreaterThanOrEqual(0);
    expect(curves).toEqual([evaluated.result]);
    ws!.close();
  });

  it('a session a CLI process is training in the same folder cannot be resumed, trained further or deleted from the app', async () => {
    const dir = join(served.sessions, 'from-the-cli');
    const cli = spawn(process.execPath, [resolve(repoRoot, 'bin/rnn-workbench.js'), 'train', '--task', 'parity', '--count', '4000', '--seq-len', '10-30', '--cell', 'lstm', '--epochs', '50', '--session', dir, '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise<void>((ok) => cli.stdout!.on('data', (d) => String(d).includes('"type":"metrics"') && ok()));
    const { ws } = await connect(`/ws?token=${token()}`, origin());
    const holder = new RegExp(`: process \\d+ has been training this session since .* \\(if no such process is running, delete ${dir}/run\\.lock\\)$`);
    for (const [command, doing] of [
      [{ type: 'runs.control', id: 'from-the-cli', action: 'resume' }, 'resume this run'],
      [{ type: 'runs.extend', id: 'from-the-cli', epochs: 60, maxSteps: null }, 'train this run further'],
      [{ type: 'sessions.delete', id: 'from-the-cli' }, 'delete this session'],
    ] as const) {
      const r = await call(ws!, command);
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(new RegExp(`^cannot ${doing}${holder.source}`));
    }
    expect(existsSync(join(dir, 'session.json'))).toBe(true);
    cli.kill('SIGINT');
    await new Promise((ok) => cli.once('exit', ok));
    ws!.close();
  });

  it('a session left "running" by a process that is gone (the app or machine stopped) is listed as failed, and resumes', async () => {
    const dir = join(served.sessions, 'left-running');
    const trained = spawnSync(process.execPath, [resolve(repoRoot, 'bin/rnn-workbench.js'), 'train', '--task', 'parity', '--steps', '6', '--session', dir], { encoding: 'utf8', timeout: 120_000 });
    expect(trained.status).toBe(0);
    // as a killed app leaves it: mid-run on disk, no worker, no live lock
    const file = join(dir, 'session.json');
    const session = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...session, status: 'running', config: { ...session.config, train: { ...session.config.train, maxSteps: 12 } } }));
    const { ws } = await connect(`/ws?token=${token()}`, origin());
    const listed = (await call(ws!, { type: 'sessions.list' })) as { ok: true; result: SessionSummary[] };
    expect(listed.result.find((x) => x.id === 'left-running')).toMatchObject({ status: 'failed', error: 'training stopped at step 6 without finishing: its process is gone (the app or the machine stopped?); resume continues from the last checkpoint' });
    let ended: string | null = null;
    ws!.on('message', (data) => {
      const e = JSON.parse(String(data)).event;
      if (e?.type === 'run.status' && e.id === 'left-running' && ['completed', 'failed'].includes(e.status)) ended = `${e.status} ${e.step}`;
    });
    expect(await call(ws!, { type: 'runs.control', id: 'left-running', action: 'resume' })).toMatchObject({ ok: true });
    for (let i = 0; i < 1200 && !ended; i++) await new Promise((r) => setTimeout(r, 50));
    expect(ended).toBe('completed 12');
    ws!.close();
  });

  it('warns when asked to listen beyond loopback', async () => {
    const wide = await startServe(['--host', '0.0.0.0']);
    await wide.stop();
    expect(wide.stderr()).toMatch(/^warning: serving on 0\.0\.0\.0 makes the workbench reachable from other machines/);
  });
});

describe('npm start without the Electron binary', () => {
  it('says so in one sentence and serves the app in the browser instead', async () => {
    const { spawn } = await import('node:child_process');
    const { resolve } = await import('node:path');
    const { repoRoot } = await import('../helpers/fixtures.js');
    const { tempDir } = await import('../helpers/sessions.js');
    const proc = spawn(process.execPath, [resolve(repoRoot, 'scripts/start.js'), '--port', '0', '--sessions', tempDir()], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RNNWB_SKIP_BUILD: '1' } });
    let out = '';
    let err = '';
    proc.stderr.on('data', (d) => (err += String(d)));
    const url = await new Promise<string>((ok, fail) => {
      proc.stdout.on('data', (d) => {
        out += String(d);
        const m = /serving at (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(out);
        if (m) ok(m[1]);
      });
      setTimeout(() => fail(new Error(`no URL printed: ${out} ${err}`)), 60_000);
    });
    expect(err).toContain('RNN Workbench: the Electron binary is not available on this machine (it could not be downloaded), so the app opens in your browser instead.');
    expect((await fetch(url)).status).toBe(200);
    proc.kill('SIGINT');
  });
});
