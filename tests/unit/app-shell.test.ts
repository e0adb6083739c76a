/** The Electron shell's security rules, asserted on the real option builder and handlers (no binary needed). */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { IPC_CHANNEL } from '../../main/contract.js';
import { checkSender, registerIpc } from '../../main/app/ipc.js';
import { isAppUrl, lockNavigation, windowOptions } from '../../main/app/window.js';
import { repoRoot } from '../helpers/fixtures.js';

describe('window options', () => {
  const prefs = windowOptions('/app/out/preload/index.cjs').webPreferences!;
  it('sandbox, contextIsolation and webSecurity on; nodeIntegration off', () => {
    expect(prefs.sandbox).toBe(true);
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.nodeIntegrationInWorker).toBe(false);
    expect(prefs.webviewTag).toBe(false);
    expect(prefs.preload).toBe('/app/out/preload/index.cjs');
  });
});

describe('URL allowlist', () => {
  it.each([
    ['http://localhost:5173/index.html', 'http://localhost:5173/', true],
    ['http://localhost:5174/', 'http://localhost:5173/', false],
    ['https://example.com/page', 'https://example.com/', true],
    ['https://example.com.attacker.com/', 'https://example.com/', false],
    ['https://example.com@attacker.com/', 'https://example.com/', false],
    ['file:///app/out/renderer/index.html#/runs', 'file:///app/out/renderer/index.html', true],
    ['file:///etc/passwd', 'file:///app/out/renderer/index.html', false],
    ['file:///app/out/renderer/%2e%2e/%2e%2e/secret.html', 'file:///app/out/renderer/index.html', false],
    ['javascript:alert(1)', 'file:///app/out/renderer/index.html', false],
    ['not a url', 'https://example.com/', false],
  ])('%s against %s → %s', (candidate, app, allowed) => {
    expect(isAppUrl(candidate, app)).toBe(allowed);
  });
});

describe('navigation lock', () => {
  it('denies window.open and navigation away from the app', () => {
    const handlers: Record<string, (event: { preventDefault: () => void }, url: string) => void> = {};
    let openHandler: (() => { action: string }) | null = null;
    const webContents = {
      setWindowOpenHandler: (h: () => { action: string }) => (openHandler = h),
      on: (name: string, h: (event: { preventDefault: () => void }, url: string) => void) => (handlers[name] = h),
    };
    lockNavigation({ webContents } as never, 'file:///app/out/renderer/index.html');
    expect(openHandler!()).toEqual({ action: 'deny' });
    const away = { preventDefault: vi.fn() };
    handlers['will-navigate'](away, 'https://example.com/');
    expect(away.preventDefault).toHaveBeenCalled();
    const inside = { preventDefault: vi.fn() };
    handlers['will-navigate'](inside, 'file:///app/out/renderer/index.html');
    expect(inside.preventDefault).not.toHaveBeenCalled();
  });
});

describe('IPC', () => {
  const appUrl = 'file:///app/out/renderer/index.html';
  const mainFrame = { senderFrame: { parent: null, url: appUrl } };
  it('refuses subframes and foreign pages', () => {
    expect(() => checkSender({ senderFrame: { parent: {}, url: appUrl } } as never, appUrl)).toThrow(/not the main frame/);
    expect(() => checkSender({ senderFrame: { parent: null, url: 'https://evil.test/' } } as never, appUrl)).toThrow(/not the app/);
    expect(() => checkSender(mainFrame as never, appUrl)).not.toThrow();
  });
  it('one channel; payloads parsed with the contract before the handler runs', async () => {
    let channel = '';
    let listener: ((event: unknown, payload: unknown) => Promise<unknown>) | null = null;
    const handled: unknown[] = [];
    registerIpc({ handle: (c: string, l: never) => ((channel = c), (listener = l)) } as never, () => appUrl, async (cmd) => {
      handled.push(cmd);
      return 'ok';
    });
    expect(channel).toBe(IPC_CHANNEL);
    await expect(listener!(mainFrame, { type: 'params.table', input: 128, hidden: 256, lengths: [10] })).resolves.toBe('ok');
    await expect(listener!(mainFrame, { type: 'params.table', input: -1, hidden: 256, lengths: [10] })).rejects.toThrow(/invalid command/);
    await expect(listener!(mainFrame, { type: 'fs.read', path: '/etc/passwd' })).rejects.toThrow(/invalid command/);
    expect(handled).toEqual([{ type: 'params.table', input: 128, hidden: 256, cell: 'tanh', lengths: [10] }]);
  });
});

describe('content security policy', () => {
  const html = readFileSync(resolve(repoRoot, 'renderer/index.html'), 'utf8');
  const csp = /Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
  it('is strict: no unsafe-eval, no wildcard source, scripts only from self', () => {
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp.split(/[\s;]+/)).not.toContain('*');
  });
});

describe('application menu', () => {
  it('file actions reach the renderer as contract events; quit is the platform role', async () => {
    const { menuTemplate } = await import('../../main/app/menu.js');
    const sent: unknown[] = [];
    const template = menuTemplate((e) => sent.push(e), false);
    const file = template.find((m) => m.label === 'File')!;
    const items = file.submenu as { label?: string; role?: string; click?: () => void; accelerator?: string }[];
    expect(items.filter((i) => i.label).map((i) => [i.label, i.accelerator])).toEqual([
      ['Open Dataset…', 'CmdOrCtrl+O'],
      ['Import Session…', 'CmdOrCtrl+I'],
      ['Export Session…', 'CmdOrCtrl+E'],
    ]);
    items.filter((i) => i.click).forEach((i) => i.click!());
    expect(sent).toEqual([
      { type: 'menu', action: 'open-dataset' },
      { type: 'menu', action: 'import-session' },
      { type: 'menu', action: 'export-session' },
    ]);
    expect(items.at(-1)!.role).toBe('quit');
    expect(menuTemplate(() => {}, true)[0].role).toBe('appMenu');
  });
});
