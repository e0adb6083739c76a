/** `rnn-workbench experiment list | all | NAME [--full] [--json]`: the page's demos, one command each. */
import type { ExperimentResult } from '../contract.js';
import { initBackend } from '../engine/backend.js';
import { listExperiments, runExperiment } from '../experiments/index.js';
import { exampleLoader } from '../runs/example-data.js';
import { CliError, existingFolder, type CliIo } from './io.js';

export const experimentHelp = 'experiment list | all | NAME [--full] [--seed S] [--data-dir DIR] [--json]';

export function formatResult(r: ExperimentResult): string {
  const lines = [`${r.title} (${r.name}, ${r.setting}, ${r.seconds.toFixed(1)} s on ${r.backend})`, `claim: ${r.claim}`, `${r.reproduced ? 'REPRODUCED' : 'NOT REPRODUCED'}: ${r.reason}`];
  if (r.table) {
    const cells = [r.table.columns, ...r.table.rows.map((row) => row.map((c) => (c === null ? '—' : String(c))))];
    const widths = r.table.columns.map((_, i) => Math.max(...cells.map((row) => String(row[i] ?? '').length)));
    lines.push('', ...cells.map((row) => `  ${row.map((c, i) => String(c).padEnd(widths[i])).join('  ')}`));
  }
  return lines.join('\n');
}

export async function experimentCommand(name: string | undefined, values: Record<string, unknown>, io: CliIo): Promise<void> {
  if (!name || name === 'list') {
    const list = listExperiments();
    if (values.json) list.forEach((e) => io.out(JSON.stringify(e)));
    else list.forEach((e) => io.out(`${e.name.padEnd(22)} ${e.title}${e.beyondPage ? '  (beyond the page)' : ''}`));
    return;
  }
  const names = name === 'all' ? listExperiments().map((e) => e.name) : [name];
  if (name !== 'all' && !listExperiments().some((e) => e.name === name)) {
    throw new CliError(`unknown experiment "${name}"; run rnn-workbench experiment list`);
  }
  await initBackend();
  const seed = values.seed === undefined ? 0 : Number(values.seed);
  if (!Number.isInteger(seed)) throw new CliError(`--seed must be a whole number, got "${String(values.seed)}"`);
  const ctx = { full: Boolean(values.full), seed, loadDataset: exampleLoader(existingFolder(values['data-dir'], '--data-dir')), progress: (m: string) => !values.json && process.stderr.isTTY && process.stderr.write(`\r${m}   `) };
  for (const n of names) {
    const result = await runExperiment(n, ctx);
    io.out(values.json ? JSON.stringify(result) : `${formatResult(result)}\n`);
  }
}
