/** Workers in Electron: utilityProcess (a crash costs one run, never the window), same interface as child_process. */
import { utilityProcess } from 'electron';
import type { SpawnWorker } from '../runs/host.js';

export function utilitySpawner(entry: string): SpawnWorker {
  return () => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'rnn-workbench training', stdio: 'inherit' });
    return {
      get pid() {
        return child.pid;
      },
      send: (c) => child.postMessage(c),
      onMessage: (l) => child.on('message', l),
      // utilityProcess reports only an exit code; a crash (kill -9 included) is a non-zero code
      onExit: (l) => child.on('exit', (code) => l(code, code === 0 ? null : 'crash')),
      kill: () => void child.kill(),
    };
  };
}
