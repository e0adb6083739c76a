/**
 * The renderer in real Chromium against a real `serve` process: drop a real file, read its
 * summary, toggle weight sharing, train, watch the charts draw, compare, export and re-import.
 * Screenshots of every view (1280×800) land in test-results/screenshots and are checked non-blank.
 */
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropFile, dropFiles, launch, shoot } from '../helpers/browser.js';
import { datasetsDir } from '../helpers/fixtures.js';
import { startServe, type Served } from '../helpers/serve.js';
import { gpuDevicePresent } from '../../main/runs/vulkan-env.js';

let served: Served;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  served = await startServe();
  browser = await launch();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  await page.goto(served.url);
  await page.waitForSelector('[data-test="backend"]:has-text("on")');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await served?.stop();
});

const nav = (view: string) => page.click(`[data-test="nav-${view}"]`);
const text = (selector: string) => page.locator(selector).first().innerText();

async function train(maxSteps: number): Promise<void> {
  await nav('train');
  await page.fill('[data-test="epochs"]', '20');
  await page.fill('[data-test="max-steps"]', String(maxSteps));
  // wait for *this* run: the status line still shows the previous run until the new one opens
  const before = (await page.locator('[data-test="run-status"]').count()) ? await page.getAttribute('[data-test="run-status"]', 'data-run') : null;
  await page.click('[data-test="start"]');
  await page.waitForFunction((prev) => {
    const el = document.querySelector('[data-test="run-status"]');
    return el !== null && el.getAttribute('data-run') !== prev;
  }, before);
  await page.waitForSelector('[data-test="status"]:has-text("completed")', { timeout: 120_000 });
}

describe('the app in Chromium (serve mode)', () => {
  it('a dropped malformed file shows its error with the line at fault, and the app stays usable', async () => {
    await dropFile(page, 'broken.csv', 'text,label\ngood film,1\nbad film,0,extra\n');
    await page.waitForSelector('[data-test="data-error"]');
    expect(await text('[data-test="data-error"]')).toBe('broken.csv: line 3: this row has 3 fields, expected 2 ("text", "label")');
    const shot = await shoot(page, 'data-error');
    expect(shot.colours).toBeGreaterThan(5);
    // two files in one drop: neither is taken for the other's validation set, or silently dropped
    await dropFiles(page, [
      { name: 'a.csv', content: 'text,label\ngood,1\nbad,0\n' },
      { name: 'b.csv', content: 'text,label\nfine,1\nawful,0\n' },
    ]);
    await page.waitForSelector('[data-test="data-error"]:has-text("2 files dropped")');
    expect(await text('[data-test="data-error"]')).toBe('2 files dropped (a.csv, b.csv): drop one dataset at a time');
    await nav('model');
    await nav('data');
    expect(await page.locator('[data-test="dropzone"]').isVisible()).toBe(true);
  });

  it('drops sst2-dev.tsv (a real DataTransfer) and shows its summary', async () => {
    await dropFile(page, 'sst2-dev.tsv', readFileSync(resolve(datasetsDir, 'sst2-dev.tsv')));
    await page.waitForSelector('[data-test="summary"]');
    expect(await text('[data-test="summary"] p')).toContain('sst2-dev.tsv — TSV, 872 rows');
    expect(await text('[data-test="task-kind"]')).toBe('text classification');
    expect(await text('[data-test="label-balance"]')).toMatch(/0\s+428\s+1\s+444/);
    expect(await page.locator('[data-test="data-error"]').count()).toBe(0);
    const shot = await shoot(page, 'view-data');
    expect(shot.busy).toBeGreaterThan(0.05);
    const histogram = await shoot(page, 'length-histogram', '[data-test="length-histogram"] canvas');
    expect(histogram.colours).toBeGreaterThan(3);
  });

  it('the weight-sharing toggle changes the parameter table and the count', async () => {
    await nav('model');
    await page.fill('[data-test="hidden"]', '16');
    await page.waitForFunction(() => document.querySelector('[data-test="param-table"] tbody tr td:nth-child(2)')?.textContent?.trim() === '2,352');
    const before = await text('[data-test="chosen-params"]');
    expect(before).toContain('2,352 parameters (the same at every length)'); // 3·16·(16+32+1)
    await page.click('[data-test="share-toggle"]');
    await page.waitForFunction(() => document.querySelector('[data-test="chosen-params"]')?.textContent?.includes('× 60 positions'));
    const after = await text('[data-test="chosen-params"]');
    expect(after).toContain('141,120 parameters'); // 60 × 2,352
    expect(await page.locator('[data-test="param-table"] td.chosen').first().innerText()).toBe('23,520'); // unshared column at T = 10
    expect(await text('[data-test="head"]')).toBe('Head: many-to-one classification from the last valid step (2 classes)');
    await shoot(page, 'view-model');
    await page.click('[data-test="share-toggle"]'); // back to shared
    await page.waitForFunction(() => document.querySelector('[data-test="chosen-params"]')?.textContent?.includes('same at every length'));
  });

  it('trains a few hundred steps (batches split over helper threads) and draws the loss and gradient-norm charts', async () => {
    await nav('train');
    await page.selectOption('[data-test="parallel"]', 'split');
    await train(200);
    expect(await text('[data-test="run-status"]')).toMatch(/step 200 \/ 200/);
    // this small a step auto would train on one thread: the line says so beside the split asked for
    expect(await text('[data-test="parallel-line"]')).toBe(
      availableParallelism() > 1
        ? `Threads: ${Math.min(availableParallelism(), 8)} threads, each step's batch split across them, as asked (auto would not split: steps this small (1.5e+6 multiply-adds) run faster unsplit)`
        : 'Threads: one thread: one core is free for this run',
    );
    // before any run the app says what runs will do about the GPU
    expect(await text('[data-test="gpu-note"]')).toBe(gpuDevicePresent() ? 'GPU: each run times its model on webgpu too, and keeps the faster' : 'GPU: no GPU device here (no /dev/dri render node, no /dev/nvidia0)');
    // webgpu is tried for every run on wasm: with no GPU here (at most a software Vulkan) the run says why
    expect(await text('[data-test="gpu-line"]')).toMatch(/^GPU: webgpu unavailable \((no GPU device here|only a software adapter|no WebGPU adapter answered|not installed)/);
    await page.selectOption('[data-test="parallel"]', 'auto');
    await shoot(page, 'view-train');
    await nav('charts');
    await page.waitForSelector('[data-test="loss-chart"] canvas');
    await page.waitForTimeout(600);
    for (const chart of ['loss-chart', 'grad-chart', 'length-chart', 'timestep-bars', 'timestep-heatmap']) {
      const s = await shoot(page, chart, `[data-test="${chart}"] canvas`);
      expect(s.colours, `${chart} has drawn content`).toBeGreaterThan(8);
      expect(s.busy, `${chart} is not blank`).toBeGreaterThan(0.02);
    }
    await page.waitForSelector('[data-test="charts-header"]:has-text("200 steps recorded")');
    // raw + smoothed loss for 200 steps, plus validation points
    expect(Number(await page.getAttribute('[data-test="loss-chart"]', 'data-points'))).toBeGreaterThan(400);
    expect(Number(await page.getAttribute('[data-test="grad-chart"]', 'data-points'))).toBeGreaterThan(400);
    await page.selectOption('[data-test="curve-shows"]', 'loss');
    await page.waitForTimeout(300);
    expect((await shoot(page, 'length-chart-loss', '[data-test="length-chart"] canvas')).colours).toBeGreaterThan(8);
    await page.selectOption('[data-test="curve-shows"]', 'metric');
    // the curve at lengths the user picks, from the last checkpoint: bad ones are named first
    await page.fill('[data-test="eval-lengths"]', '10, twenty');
    await page.click('[data-test="evaluate"]');
    expect(await text('[data-test="eval-error"]')).toBe('lengths are whole numbers above 0, e.g. 10, 50, 200');
    await page.fill('[data-test="eval-lengths"]', '100, 10 20');
    await page.click('[data-test="evaluate"]');
    // the trained-lengths shade's 2 points and the 3 asked for
    await page.waitForFunction(() => document.querySelector('[data-test="length-chart"]')?.getAttribute('data-points') === '5', undefined, { timeout: 60_000 });
    expect(await page.locator('[data-test="eval-error"]').count()).toBe(0);
    await shoot(page, 'view-charts');
  });

  it('compares runs: shared vs unshared, and a shared run repeated with another seed drawn as mean ± band', async () => {
    await nav('model');
    await page.click('[data-test="share-toggle"]');
    await train(100);
    await nav('model');
    await page.click('[data-test="share-toggle"]'); // shared again, same settings as the first run…
    await nav('train');
    await page.fill('[data-test="seed"]', '1'); // …but another seed
    await train(200);
    await nav('compare');
    const boxes = page.locator('[data-test^="compare-"][type="checkbox"]');
    expect(await boxes.count()).toBe(3);
    for (let i = 0; i < 3; i++) await boxes.nth(i).check();
    await page.waitForSelector('[data-test="compare-loss"] canvas');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-test="groups"] li')].map((li) => li.textContent?.trim()).join('|') === 'shared gru on sst2-dev.tsv (2 seeds)|unshared gru on sst2-dev.tsv');
    const groups = await page.locator('[data-test="groups"] li').allInnerTexts();
    expect(groups.some((g) => /shared gru on sst2-dev\.tsv \(2 seeds\)$/.test(g.trim()))).toBe(true);
    expect(groups.some((g) => /^unshared gru on sst2-dev\.tsv$/.test(g.trim()))).toBe(true);
    await page.waitForTimeout(800);
    // the band (3 series × 200 steps) and the unshared run's line are all drawn
    await page.waitForFunction(() => Number(document.querySelector('[data-test="compare-loss"]')?.getAttribute('data-points')) > 3 * 200);
    const s = await shoot(page, 'compare-loss', '[data-test="compare-loss"] canvas');
    expect(s.colours).toBeGreaterThan(8);
    expect((await shoot(page, 'compare-grad', '[data-test="compare-grad"] canvas')).colours).toBeGreaterThan(8);
    // validation, overlaid: the 2-seed group's band and mean at its 8 validations, the unshared run's 4
    expect(Number(await page.getAttribute('[data-test="compare-val"]', 'data-points'))).toBe(3 * 8 + 4);
    expect((await shoot(page, 'compare-val', '[data-test="compare-val"] canvas')).colours).toBeGreaterThan(8);
    await page.selectOption('[data-test="compare-val-shows"]', 'loss');
    await page.waitForTimeout(300);
    expect((await shoot(page, 'compare-val-loss', '[data-test="compare-val"] canvas')).colours).toBeGreaterThan(8);
    await shoot(page, 'view-compare');
    // a group's name opens its run
    await page.locator('[data-test="groups"] button').first().click();
    await page.waitForSelector('[data-test="charts-header"]');
  });

  it('exports a session as .rnnwb and imports it back', async () => {
    await nav('sessions');
    expect(await page.locator('[data-test^="session-"]').count()).toBe(3);
    // uploads are listed under the name the user dropped, not the stored one
    expect(await page.locator('[data-test^="session-"] td:nth-child(3)').allInnerTexts()).toEqual(['sst2-dev.tsv', 'sst2-dev.tsv', 'sst2-dev.tsv']);
    // runs that share a name are told apart by when they began (today, in the viewer's locale)
    const today = new Date().toLocaleString(undefined, { day: 'numeric', month: 'short' });
    for (const when of await page.locator('[data-test="created-at"]').allInnerTexts()) expect(when).toContain(today);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test="export"]').first().click()]);
    const path = await download.path();
    expect(download.suggestedFilename()).toMatch(/\.rnnwb$/);
    await page.setInputFiles('[data-test="import-input"]', { name: download.suggestedFilename(), mimeType: 'application/zip', buffer: readFileSync(path!) });
    await page.waitForSelector('[data-test="sessions-message"]:has-text("imported")');
    await page.waitForFunction(() => document.querySelectorAll('[data-test^="session-"]').length === 4);
    await shoot(page, 'view-sessions');
    // the imported copy reopens with its charts restored from disk
    await page.locator('[data-test="open"]').first().click();
    await page.waitForSelector('[data-test="loss-chart"] canvas');
  });

  it('runs an experiment from the gallery and shows its verdict; Run all reproduces the whole page', async () => {
    await nav('experiments');
    const card = page.locator('[data-test="experiment-weight-identity"]');
    await card.locator('button').click();
    await card.locator('[data-test="verdict"]').waitFor({ timeout: 60_000 });
    expect(await card.locator('[data-test="verdict"]').innerText()).toMatch(/^Reproduced: shared: 1 distinct W_hh tensor over 10 steps/);
    // the whole page at once: every demo, one after another, each in its own process
    const count = await page.locator('[data-test^="experiment-"]').count();
    expect(count).toBe(17);
    await page.click('[data-test="run-all"]');
    await page.waitForSelector(`[data-test="tally"]:has-text("of ${count} run")`, { timeout: 240_000 });
    expect(await text('[data-test="tally"]')).toBe(`${count} of ${count} run reproduced`);
    expect(await page.locator('[data-test="verdict"]').count()).toBe(count);
    await shoot(page, 'view-experiments');
    expect(pageErrors).toEqual([]);
  }, 300_000);

  it('a classification file validates on another file once it fits (one class is enough); a run then validates on it', async () => {
    await nav('data');
    await page.waitForSelector('[data-test="validation"]:has-text("10 % of this file\'s rows")');
    const dev = readFileSync(resolve(datasetsDir, 'sst2-dev.tsv'), 'utf8').split('\n');
    const choose = async (name: string, content: string | Buffer) => {
      await page.setInputFiles('[data-test="validation-input"]', { name, mimeType: 'text/plain', buffer: Buffer.from(content) });
      await page.waitForSelector('[data-test="validation-error"], [data-test="validation-file"]');
    };
    await choose('AirPassengers.csv', readFileSync(resolve(datasetsDir, 'AirPassengers.csv')));
    expect(await text('[data-test="validation-error"]')).toBe('AirPassengers.csv: the validation file is a forecast file, the training file (sst2-dev.tsv) a text classification file');
    await choose('three-classes.tsv', [dev[0], ...dev.slice(1, 4).map((l) => l.replace(/^0\t/, '2\t'))].join('\n'));
    expect(await text('[data-test="validation-error"]')).toBe('three-classes.tsv: label "2" does not occur in the training file (sst2-dev.tsv: "0", "1")');
    // the positive half of SST-2's dev set: one class, which a validation file may hold
    await choose('sst2-dev-positive.tsv', [dev[0], ...dev.slice(1).filter((l) => l.startsWith('1\t'))].join('\n'));
    expect(await text('[data-test="validation-file"]')).toBe('sst2-dev-positive.tsv — 444 rows; labels 1 (444)');
    expect(await page.locator('[data-test="validation-error"]').count()).toBe(0);
    // every one of them is a training example, which the Data view says as the file is chosen
    expect(await text('[data-test="validation-warnings"]')).toContain('444 of 444 validation examples (100 %) also occur in the training file (the first on line 2 of the validation file)');
    await shoot(page, 'view-data-validation');
    await nav('train');
    expect(await text('[data-test="trains-on"]')).toBe('Trains on sst2-dev.tsv; validates on sst2-dev-positive.tsv.');
    await train(20);
    // the run's latest validation, under its progress
    await page.waitForSelector('[data-test="val-line"]:has-text("accuracy")');
    expect(await text('[data-test="val-line"]')).toMatch(/^validation at step 20: loss \d+\.\d{4} · accuracy (0|1)\.\d{3}$/);
    const { readdirSync, statSync } = await import('node:fs');
    const newest = readdirSync(served.sessions)
      .map((d) => resolve(served.sessions, d))
      .sort((a, b) => (statSync(b, { bigint: true }).mtimeNs > statSync(a, { bigint: true }).mtimeNs ? 1 : -1))[0];
    const session = JSON.parse(readFileSync(resolve(newest, 'session.json'), 'utf8'));
    expect(session.config.data.validationPath).toMatch(/sst2-dev-positive\.tsv$/);
    expect(session.dataset.validationSha256).toMatch(/^[0-9a-f]{64}$/);
    // the positive half of the training file: every validation example is one the model trains on, and the run says so
    expect(session.dataset.validationOverlap).toEqual({ count: 444, of: 444, firstLine: 2 });
    await page.waitForSelector('[data-test="val-overlap"]');
    expect(await text('[data-test="val-overlap"]')).toBe('444 of 444 validation examples (100 %) also occur in the training file (the first on line 2 of the validation file): their accuracy measures recall of training examples, not generalization');
    await shoot(page, 'view-train-validation-overlap');
    // every validation example is positive: its accuracy is the share of them called positive
    const metrics = readFileSync(resolve(newest, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const validated = metrics.filter((m) => m.valMetric !== null);
    expect(validated.length).toBeGreaterThan(0);
    for (const m of validated) expect(Math.round(m.valMetric * 444) / 444).toBeCloseTo(m.valMetric, 9);
    await nav('data');
    await page.click('[data-test="validation-clear"]');
    await page.waitForSelector('[data-test="validation-choose"]');
    await nav('train');
    expect(await text('[data-test="trains-on"]')).toBe('Trains on sst2-dev.tsv; validates on 10 % of its rows, held out at random.');
  });

  it('a forecast takes its window, time features and optimizer from the Train view, and the session keeps them; the run then trains further', async () => {
    await dropFile(page, 'AirPassengers.csv', readFileSync(resolve(datasetsDir, 'AirPassengers.csv')));
    await page.waitForSelector('text=task: forecast');
    await nav('train');
    expect(await text('[data-test="trains-on"]')).toBe('Trains on AirPassengers.csv; validates on the last 10 % of each series.');
    await page.fill('[data-test="window"]', '12');
    await page.check('[data-test="clock-12mo"]');
    await page.selectOption('[data-test="optimizer"]', 'rmsprop');
    await train(20);
    await shoot(page, 'view-train-forecast');
    const { readdirSync, statSync } = await import('node:fs');
    const newest = readdirSync(served.sessions)
      .map((d) => resolve(served.sessions, d))
      .sort((a, b) => statSync(b, { bigint: true }).mtimeNs > statSync(a, { bigint: true }).mtimeNs ? 1 : -1)[0];
    const session = JSON.parse(readFileSync(resolve(newest, 'session.json'), 'utf8'));
    expect(session.config.data).toMatchObject({ window: 12, clocks: ['12mo'] });
    expect(session.config.train.optimizer).toBe('rmsprop');
    // the series' value and its month-of-year clock (sin, cos): 3 inputs a step
    expect(session.model.input).toEqual({ type: 'features', size: 3 });
    // the run ended at its 20 steps: it trains further, to twice that, from where it stopped
    await page.waitForSelector('[data-test="further"]');
    expect(await page.inputValue('[data-test="further-steps"]')).toBe('40');
    expect(await page.inputValue('[data-test="further-epochs"]')).toBe('20');
    await page.click('[data-test="further-start"]');
    await page.waitForSelector('[data-test="run-status"]:has-text("step 40 / 40")', { timeout: 120_000 });
    await page.waitForSelector('[data-test="status"]:has-text("completed")');
    const steps = readFileSync(resolve(newest, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step);
    expect(steps).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(JSON.parse(readFileSync(resolve(newest, 'session.json'), 'utf8')).config.train.maxSteps).toBe(40);
    await shoot(page, 'view-train-further');
    // a copy of it left mid-run by a process that is gone (the app or the machine stopped): the
    // Sessions view, opened, lists it as failed and says why on its row
    const { cpSync, writeFileSync } = await import('node:fs');
    const left = resolve(served.sessions, 'left-mid-run');
    cpSync(newest, left, { recursive: true });
    writeFileSync(resolve(left, 'session.json'), JSON.stringify({ ...JSON.parse(readFileSync(resolve(newest, 'session.json'), 'utf8')), name: 'left mid-run', status: 'running' }));
    await nav('sessions');
    const row = page.locator('[data-test="session-left-mid-run"]');
    await row.waitFor();
    expect(await row.locator('[data-test="session-error"]').innerText()).toBe('training stopped at step 40 without finishing: its process is gone (the app or the machine stopped?); resume continues from the last checkpoint');
    expect(await row.locator('td.status-failed').innerText()).toBe('failed');
    await shoot(page, 'view-sessions-failed');
    expect(pageErrors).toEqual([]);
  });
});
