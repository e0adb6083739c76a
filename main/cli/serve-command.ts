/** `rnn-workbench serve`: the whole app in a browser, on loopback by default. */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeSpawner } from '../runs/host.js';
import { isLoopback, startServer } from '../serve/server.js';
import { WorkbenchService } from '../workbench-service.js';
import { CliError, existingFolder, positiveInt, type CliIo } from './io.js';

export const serveHelp = 'serve [--port P] [--host 127.0.0.1] [--sessions DIR] [--data-dir DIR] [--json]';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export async function serveCommand(values: Record<string, unknown>, io: CliIo): Promise<never> {
  const host = String(values.host ?? '127.0.0.1');
  const port = values.port === undefined ? 0 : values.port === '0' ? 0 : positiveInt(values.port, '--port');
  if (port > 65_535) throw new CliError(`--port must be at most 65535, got ${port}`);
  // (checked here: a mistyped folder would otherwise surface only when a demo first reads from it)
  const dataDir = existingFolder(values['data-dir'], '--data-dir');
  if (!isLoopback(host)) io.err(`warning: serving on ${host} makes the workbench reachable from other machines; anyone with the URL's token can train and read sessions`);
  const service = new WorkbenchService({
    sessionsRoot: resolve(String(values.sessions ?? 'sessions')),
    spawn: nodeSpawner(),
    dataDir,
  });
  const server = await startServer({ service, root: resolve(repoRoot, 'out/renderer'), host, port });
  io.out(values.json ? JSON.stringify({ url: server.url, port: server.port }) : `RNN Workbench is serving at ${server.url}`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return new Promise<never>(() => {});
}
