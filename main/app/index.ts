/** Electron main: one window, one IPC channel, the shared service; training runs in utility processes. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, ipcMain, Menu } from 'electron';
import { IPC_EVENT_CHANNEL } from '../contract.js';
import { WorkbenchService } from '../workbench-service.js';
import { registerIpc } from './ipc.js';
import { menuTemplate } from './menu.js';
import { utilitySpawner } from './utility-spawner.js';
import { lockNavigation, windowOptions } from './window.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const preload = join(here, '../preload/index.cjs');
const pageFile = join(here, '../renderer/index.html');
let appUrl = '';
let win: BrowserWindow | null = null;

function createWindow(): void {
  win = new BrowserWindow(windowOptions(preload));
  const devUrl = process.env.ELECTRON_RENDERER_URL;
  appUrl = devUrl ?? new URL(`file://${pageFile}`).href;
  lockNavigation(win, appUrl);
  win.once('ready-to-show', () => win?.show());
  win.on('closed', () => (win = null));
  void (devUrl ? win.loadURL(devUrl) : win.loadFile(pageFile));
}

app.enableSandbox();
void app.whenReady().then(() => {
  const service = new WorkbenchService({ sessionsRoot: join(app.getPath('userData'), 'sessions'), spawn: utilitySpawner(join(here, 'worker.js')) });
  service.on('event', (e) => win?.webContents.send(IPC_EVENT_CHANNEL, e));
  registerIpc(ipcMain, () => appUrl, (command) => service.handle(command));
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate((e) => win?.webContents.send(IPC_EVENT_CHANNEL, e), process.platform === 'darwin')));
  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
