/** A real `rnn-workbench serve` process for tests: started on a free port, stopped afterwards. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { repoRoot } from './fixtures.js';
import { tempDir } from './sessions.js';

export interface Served {
  url: string;
  port: number;
  sessions: string;
  proc: ChildProcess;
  /** everything the server printed on stderr so far */
  stderr(): string;
  stop(): Promise<void>;
}

export async function startServe(extra: string[] = []): Promise<Served> {
  // uploads go beside the sessions folder: both inside this server's own temporary folder
  const sessions = join(tempDir('rnnwb-serve-'), 'sessions');
  const proc = spawn(process.execPath, [resolve(repoRoot, 'bin/rnn-workbench.js'), 'serve', '--port', '0', '--json', '--sessions', sessions, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d) => (err += String(d)));
  const line = await new Promise<string>((ok, fail) => {
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('\n')) ok(out.split('\n')[0]);
    });
    proc.on('exit', (code) => fail(new Error(`serve exited (${code}): ${err}`)));
    setTimeout(() => fail(new Error(`serve did not start: ${err}`)), 30_000);
  });
  const { url, port } = JSON.parse(line) as { url: string; port: number };
  return {
    url,
    port,
    sessions,
    proc,
    stderr: () => err,
    stop: () =>
      new Promise((ok) => {
        proc.once('exit', () => ok());
        proc.kill('SIGTERM');
      }),
  };
}
