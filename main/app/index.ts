/** Electron main: one window, one IPC channel, nothing else (the work happens elsewhere). */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain } from 'electron';
import { handleCommand } from '../commands.js';
import { registerIpc } from './ipc.js';
import { lockNavigation, windowOptions } from './window.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const preload = join(here, '../preload/index.cjs');
const pageFile = join(here, '../renderer/index.html');
let appUrl = '';

function createWindow(): void {
  const win = new BrowserWindow(windowOptions(preload));
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  appUrl = devUrl ?? new URL(`file://${pageFile}`).href;
  lockNavigation(win, appUrl);
  win.once('ready-to-show', () => win.show());
  void (devUrl ? win.loadURL(devUrl) : win.loadFile(pageFile));
}

app.enableSandbox();
registerIpc(ipcMain, () => appUrl, handleCommand);
void app.whenReady().then(() => {
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
