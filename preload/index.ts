/**
 * Exposes exactly one global, `window.workbench`, typed by the contract. No raw ipcRenderer
 * reaches the page.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { IPC_CHANNEL, IPC_EVENT_CHANNEL, type WorkbenchApi, type WorkbenchEvent } from '../main/contract.js';

const api: WorkbenchApi = {
  invoke: (command) => ipcRenderer.invoke(IPC_CHANNEL, command),
  onEvent(listener) {
    const wrapped = (_e: IpcRendererEvent, event: WorkbenchEvent) => listener(event);
    ipcRenderer.on(IPC_EVENT_CHANNEL, wrapped);
    return () => ipcRenderer.removeListener(IPC_EVENT_CHANNEL, wrapped);
  },
  // a dropped or picked file's place on disk ('' for one made in the page): the main process reads it there
  pathForFile: (file) => webUtils.getPathForFile(file),
};

contextBridge.exposeInMainWorld('workbench', api);
