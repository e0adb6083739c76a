/**
 * `rnn-workbench serve`: the built renderer over HTTP and the contract over a WebSocket on
 * the same port. The socket needs the per-launch token and an Origin of this very server, so
 * another page or another user on the machine cannot drive training.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { CommandSchema, MAX_UPLOAD_BYTES, RequestSchema, type WorkbenchEvent } from '../contract.js';
import type { WorkbenchService } from '../workbench-service.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
};

export interface ServeOptions {
  service: WorkbenchService;
  /** the built renderer (out/renderer) */
  root: string;
  host?: string;
  port?: number;
  token?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export const isLoopback = (host: string): boolean => host === '127.0.0.1' || host === 'localhost' || host === '::1';

function sameToken(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function serveFile(root: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const rel = decodeURIComponent(url.pathname) === '/' ? 'index.html' : decodeURIComponent(url.pathname).slice(1);
  const path = normalize(join(root, rel));
  if (!path.startsWith(root + sep) || !existsSync(path) || !statSync(path).isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
    'x-content-type-options': 'nosniff',
    // frame-ancestors only works as a header: no other site may frame the workbench
    'content-security-policy': "frame-ancestors 'none'",
    'cache-control': 'no-store',
  });
  res.end(readFileSync(path));
}

export async function startServer(o: ServeOptions): Promise<RunningServer> {
  const root = resolve(o.root);
  if (!existsSync(join(root, 'index.html'))) throw new Error(`the renderer is not built (${join(root, 'index.html')} is missing); run npm run build`);
  const host = o.host ?? '127.0.0.1';
  const token = o.token ?? randomBytes(18).toString('base64url');
  const server = createServer((req, res) => serveFile(root, req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 4096 });
  const clients = new Set<WebSocket>();
  let port = 0;

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const origin = req.headers.origin ?? '';
    const allowed = [`http://${host}:${port}`, `http://127.0.0.1:${port}`, `http://localhost:${port}`];
    const refuse = (code: number, why: string) => {
      socket.end(`HTTP/1.1 ${code} ${why}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/ws') return refuse(404, 'Not Found');
    if (!sameToken(url.searchParams.get('token'), token)) return refuse(401, 'Unauthorized');
    if (!allowed.includes(origin)) return refuse(403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('message', async (data) => {
      let id = -1;
      try {
        const request = RequestSchema.parse(JSON.parse(String(data)));
        id = request.id;
        const command = CommandSchema.safeParse(request.command);
        if (!command.success) throw new Error(`invalid command (${command.error.issues[0]?.path.join('.')}: ${command.error.issues[0]?.message})`);
        const result = await o.service.handle(command.data);
        ws.send(JSON.stringify({ ok: true, id, result }));
      } catch (e) {
        ws.send(JSON.stringify({ ok: false, id, error: e instanceof Error ? e.message : String(e) }));
      }
    });
  });

  const forward = (event: WorkbenchEvent) => {
    const frame = JSON.stringify({ event });
    for (const ws of clients) ws.send(frame);
  };
  o.service.on('event', forward);

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port ?? 0, host, () => ok());
  });
  port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      o.service.off('event', forward);
      for (const ws of clients) ws.terminate();
      await new Promise<void>((ok) => wss.close(() => ok()));
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}
