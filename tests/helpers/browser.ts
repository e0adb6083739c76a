/** Debian's Chromium through playwright-core, and a non-blank check for screenshots. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from './fixtures.js';

export const SCREENSHOTS = resolve(repoRoot, 'test-results/screenshots');

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Distinct colours and the share of pixels unlike the most common one, measured by decoding the PNG in the page. */
export async function pixelStats(page: Page, png: Buffer): Promise<{ colours: number; busy: number }> {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    const counts = new Map<number, number>();
    for (let i = 0; i < d.length; i += 16) {
      const key = (d[i] << 16) | (d[i + 1] << 8) | d[i + 2];
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const total = d.length / 16;
    const top = Math.max(...counts.values());
    return { colours: counts.size, busy: 1 - top / total };
  }, png.toString('base64'));
}

/** A screenshot under test-results/screenshots, asserted to show something. */
export async function shoot(page: Page, name: string, selector?: string): Promise<{ colours: number; busy: number; path: string }> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // a view's screenshot starts at its top (element screenshots scroll the page)
  if (!selector) await page.evaluate(() => document.querySelector('main')?.scrollTo(0, 0));
  const png = selector ? await page.locator(selector).first().screenshot() : await page.screenshot();
  const path = resolve(SCREENSHOTS, `${name}.png`);
  writeFileSync(path, png);
  return { ...(await pixelStats(page, png)), path };
}

/** A real drag-and-drop: a File in a DataTransfer, dispatched as dragenter/dragover/drop on the page. */
export async function dropFile(page: Page, name: string, content: Buffer | string, target = 'main'): Promise<void> {
  await dropFiles(page, [{ name, content }], target);
}

/** Several files in one drop, as a user drags a selection from a file manager. */
export async function dropFiles(page: Page, files: { name: string; content: Buffer | string }[], target = 'main'): Promise<void> {
  const encoded = files.map((f) => [f.name, Buffer.from(f.content).toString('base64')] as [string, string]);
  const dt = await page.evaluateHandle((all) => {
    const transfer = new DataTransfer();
    for (const [fileName, data] of all) transfer.items.add(new File([Uint8Array.from(atob(data), (ch) => ch.charCodeAt(0))], fileName));
    return transfer;
  }, encoded);
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent(target, type, { dataTransfer: dt });
}
