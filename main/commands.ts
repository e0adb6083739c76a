/**
 * The one implementation of the contract's commands, shared by every host (Electron IPC now,
 * the serve bridge later), so the hosts stay thin.
 */
import type { BackendReport, Command, CommandResults } from './contract.js';
import { initBackend } from './engine/backend.js';
import { paramTable } from './engine/params.js';

let backend: Promise<BackendReport> | null = null;

export async function handleCommand<C extends Command>(command: C): Promise<CommandResults[C['type']]> {
  const c = command as Command;
  switch (c.type) {
    case 'backend.get':
      backend ??= initBackend();
      return (await backend) as CommandResults[C['type']];
    case 'params.table':
      return paramTable(c.input, c.hidden, c.lengths, c.cell) as CommandResults[C['type']];
  }
}
