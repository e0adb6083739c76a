/**
 * The single IPC entry point (after VS Code's ValidatedIpcMain): one channel, every call
 * checked for its sender frame and parsed with the contract's schema before it runs.
 */
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { CommandSchema, IPC_CHANNEL, type Command } from '../contract.js';
import { isAppUrl } from './window.js';

export type CommandHandler = (command: Command) => Promise<unknown>;

/** Rejects calls from subframes and from any page that is not the app's own. */
export function checkSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>, appUrl: string): void {
  const frame = event.senderFrame;
  if (!frame || frame.parent !== null) throw new Error('IPC refused: not the main frame');
  if (!isAppUrl(frame.url, appUrl)) throw new Error(`IPC refused: sender ${frame.url} is not the app`);
}

export function registerIpc(ipcMain: Pick<IpcMain, 'handle'>, appUrl: () => string, handle: CommandHandler): void {
  ipcMain.handle(IPC_CHANNEL, async (event, payload: unknown) => {
    checkSender(event, appUrl());
    const parsed = CommandSchema.safeParse(payload);
    if (!parsed.success) throw new Error(`IPC refused: invalid command (${parsed.error.issues[0]?.message ?? 'bad shape'})`);
    return handle(parsed.data);
  });
}
