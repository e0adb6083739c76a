/** The application menu: file actions go to the renderer, which owns the pickers and the open session. */
import type { MenuItemConstructorOptions } from 'electron';
import type { WorkbenchEvent } from '../contract.js';

export function menuTemplate(send: (event: WorkbenchEvent) => void, isMac: boolean): MenuItemConstructorOptions[] {
  const menu = (action: Extract<WorkbenchEvent, { type: 'menu' }>['action']) => () => send({ type: 'menu', action });
  return [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Open Dataset…', accelerator: 'CmdOrCtrl+O', click: menu('open-dataset') },
        { type: 'separator' },
        { label: 'Import Session…', accelerator: 'CmdOrCtrl+I', click: menu('import-session') },
        { label: 'Export Session…', accelerator: 'CmdOrCtrl+E', click: menu('export-session') },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
}
