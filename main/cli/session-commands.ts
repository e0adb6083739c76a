/** `rnn-workbench export` and `import`: one-file session archives, and metrics as CSV. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { exportSession, importSession } from '../sessions/archive.js';
import { metricsCsv } from '../sessions/metrics-csv.js';
import { readMetrics, readSessionFile } from '../sessions/store.js';
import { CliError, outputFile, type CliIo } from './io.js';

export const exportHelp = 'export --session DIR --out FILE.rnnwb [--csv FILE.csv] [--json]';
export const importHelp = 'import FILE.rnnwb [--into DIR] [--json]';

export function exportCommand(values: Record<string, unknown>, io: CliIo): void {
  if (!values.session) throw new CliError('export needs --session DIR');
  if (!values.out && !values.csv) throw new CliError('export needs --out FILE.rnnwb (the session archive) and/or --csv FILE.csv (its metrics)');
  const dir = resolve(String(values.session));
  const session = readSessionFile(dir);
  const result: Record<string, unknown> = { session: dir };
  if (values.out) {
    const out = outputFile(values.out, '--out');
    Object.assign(result, { archive: out, ...exportSession(dir, out) });
  }
  if (values.csv) {
    const csv = outputFile(values.csv, '--csv');
    writeFileSync(csv, metricsCsv([{ name: session.name, records: readMetrics(dir) }]));
    result.csv = csv;
  }
  io.out(values.json ? JSON.stringify(result) : `exported "${session.name}"${result.archive ? ` to ${String(result.archive)}` : ''}${result.csv ? ` (metrics: ${String(result.csv)})` : ''}`);
}

export function importCommand(file: string | undefined, values: Record<string, unknown>, io: CliIo): void {
  if (!file) throw new CliError('import needs a file: rnn-workbench import session.rnnwb');
  const dir = importSession(resolve(file), resolve(String(values.into ?? 'sessions')));
  io.out(values.json ? JSON.stringify({ session: dir }) : `imported into ${dir}`);
}
