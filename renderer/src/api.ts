/**
 * The renderer's one client of the contract. Inside Electron it is the preload's
 * `window.workbench`; in a plain browser (the serve mode, issue 7) a WebSocket client takes
 * its place behind the same interface.
 */
import type { WorkbenchApi } from '../../main/contract';

export function connect(): WorkbenchApi | null {
  return window.workbench ?? null;
}
