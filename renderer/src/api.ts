/**
 * The renderer's one client of the contract. Inside Electron it is the preload's
 * `window.workbench`; in a browser (`rnn-workbench serve`) a WebSocket client with the same
 * interface, authenticated by the token in the page's URL.
 */
import { EventSchema, ReplySchema, type CommandInput, type CommandResults, type WorkbenchApi, type WorkbenchEvent } from '../../main/contract';

export class SocketApi implements WorkbenchApi {
  private socket: WebSocket;
  private ready: Promise<void>;
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<(e: WorkbenchEvent) => void>();

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.ready = new Promise((resolve, reject) => {
      this.socket.addEventListener('open', () => resolve(), { once: true });
      this.socket.addEventListener('error', () => reject(new Error('cannot reach the workbench server (is `rnn-workbench serve` still running, and is the token right?)')), { once: true });
    });
    this.socket.addEventListener('message', (m) => this.receive(String(m.data)));
    this.socket.addEventListener('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('the connection to the workbench server closed'));
      this.pending.clear();
    });
  }

  private receive(text: string): void {
    const frame = JSON.parse(text) as { event?: unknown };
    if (frame.event !== undefined) {
      const e = EventSchema.safeParse(frame.event);
      if (e.success) this.listeners.forEach((l) => l(e.data));
      return;
    }
    const reply = ReplySchema.safeParse(frame);
    if (!reply.success) return;
    const p = this.pending.get(reply.data.id);
    this.pending.delete(reply.data.id);
    if (!p) return;
    if (reply.data.ok) p.resolve(reply.data.result);
    else p.reject(new Error(reply.data.error));
  }

  async invoke<C extends CommandInput>(command: C): Promise<CommandResults[C['type']]> {
    await this.ready;
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.socket.send(JSON.stringify({ id, command }));
    });
  }

  onEvent(listener: (event: WorkbenchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

let api: WorkbenchApi | null = null;

/** The preload's bridge inside Electron, else a socket to the serving process (token from the URL). */
export function connect(): WorkbenchApi | null {
  if (api) return api;
  if (window.workbench) return (api = window.workbench);
  const token = new URLSearchParams(location.search).get('token') ?? sessionStorage.getItem('rnnwb-token');
  if (!token || !location.host) return null;
  sessionStorage.setItem('rnnwb-token', token);
  return (api = new SocketApi(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`));
}

/** Bytes → base64 for uploads, in chunks (String.fromCharCode has an argument limit). */
export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Saves bytes as a file through the browser's download. */
function downloadBlob(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function downloadBase64(fileName: string, base64: string, type = 'application/zip'): void {
  downloadBlob(fileName, new Blob([Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))], { type }));
}

export function downloadText(fileName: string, text: string, type = 'text/csv'): void {
  downloadBlob(fileName, new Blob([text], { type }));
}
