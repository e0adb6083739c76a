/**
 * The one window and its security rules (DESIGN.md §6). The option builder and URL checks
 * are pure, so tests assert them without the Electron binary.
 */
import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';

export function windowOptions(preloadPath: string): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    title: 'RNN Workbench',
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}

/**
 * True only for the app's own pages: same protocol, host and port as `appUrl` (and, for
 * file: URLs, the same directory). Compares parsed origins, so
 * `https://example.com.attacker.com` never passes for `https://example.com`.
 */
export function isAppUrl(candidate: string, appUrl: string): boolean {
  let url: URL;
  let app: URL;
  try {
    url = new URL(candidate);
    app = new URL(appUrl);
  } catch {
    return false;
  }
  if (url.protocol !== app.protocol) return false;
  if (app.protocol === 'file:') {
    const dir = app.pathname.slice(0, app.pathname.lastIndexOf('/') + 1);
    return url.host === '' && url.pathname.startsWith(dir) && !decodeURIComponent(url.pathname).includes('..');
  }
  return url.origin === app.origin;
}

/** Denies new windows and navigation away from the app (remote content never loads). */
export function lockNavigation(win: Pick<BrowserWindow, 'webContents'>, appUrl: string): void {
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, appUrl)) event.preventDefault();
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
}
