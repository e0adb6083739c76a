/**
 * The message channel of a worker process, whichever host started it: a Node child
 * (child_process.fork: process.send) or an Electron utility process (process.parentPort).
 */
export interface ParentPort {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

export function parentPort(): ParentPort {
  const electron = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (electron) {
    return { send: (m) => electron.postMessage(m), onMessage: (l) => electron.on('message', (e) => l(e.data)) };
  }
  if (!process.send) throw new Error('this file runs as a worker process (child_process.fork or utilityProcess), not directly');
  return { send: (m) => process.send!(m), onMessage: (l) => process.on('message', l) };
}
