/** `rnn-workbench inspect FILE`: the dataset summary, or the one sentence that says what is wrong. */
import { ColumnRoleSchema, type DatasetSummary, type RoleOverrides } from '../contract.js';
import { readFileDataset } from '../runs/data-files.js';
import { formatBytes } from '../data/limits.js';
import { CliError, type CliIo } from './io.js';

export const inspectHelp = 'inspect FILE [--role COLUMN=ROLE …] [--json]';

/** --role name=label (repeatable) → overrides; the column name may itself contain '='. */
export function parseRoles(values: unknown): RoleOverrides {
  const out: RoleOverrides = {};
  for (const spec of (values as string[] | undefined) ?? []) {
    const at = spec.lastIndexOf('=');
    const role = ColumnRoleSchema.safeParse(spec.slice(at + 1));
    if (at <= 0 || !role.success) throw new CliError(`--role must look like COLUMN=ROLE with ROLE one of ${ColumnRoleSchema.options.join(', ')}, got "${spec}"`);
    out[spec.slice(0, at)] = role.data;
  }
  return out;
}

const n = (v: number) => v.toLocaleString('en-US');

export function formatSummary(s: DatasetSummary): string {
  const lines = [`${s.file} — ${s.format.toUpperCase()}, ${formatBytes(s.bytes)}, ${n(s.rows)} rows, header: ${s.hasHeader ? 'yes' : 'no'}`, `task: ${s.task.replace('-', ' ')}`, 'columns:'];
  const w = Math.max(...s.columns.map((c) => c.name.length));
  for (const c of s.columns) {
    lines.push(`  ${c.name.padEnd(w)}  ${c.role.padEnd(8)} ${c.kind.padEnd(7)} ${n(c.distinct)} distinct${c.missing ? `, ${n(c.missing)} missing` : ''}   e.g. ${c.examples.join(' | ')}`);
  }
  if (s.labels) {
    const total = s.labels.classes.reduce((a, c) => a + c.count, 0);
    const shown = s.labels.classes.slice(0, 12).map((c) => `${c.value}: ${n(c.count)} (${((100 * c.count) / total).toFixed(1)}%)`);
    lines.push(`labels ("${s.labels.column}", ${s.labels.kind}, ${s.labels.classes.length} classes): ${shown.join('  ')}${s.labels.classes.length > 12 ? '  …' : ''}`);
  }
  if (s.lengths) {
    const L = s.lengths;
    lines.push(`lengths (${L.unit}): min ${n(L.min)}, median ${n(L.median)}, max ${n(L.max)} over ${n(L.count)} sequence${L.count === 1 ? '' : 's'}${L.features ? `, ${L.features} numbers a step` : ''}`);
    const peak = Math.max(...L.histogram.map((b) => b.count));
    if (L.histogram.length > 1) {
      for (const b of L.histogram) {
        const range = b.from === b.to ? `${b.from}` : `${b.from}–${b.to}`;
        lines.push(`  ${range.padStart(9)} ${'█'.repeat(Math.round((30 * b.count) / peak)).padEnd(30)} ${n(b.count)}`);
      }
    }
  }
  if (s.warnings.length) lines.push('warnings:', ...s.warnings.map((x) => `  - ${x.message}`));
  return lines.join('\n');
}

export async function inspectCommand(file: string | undefined, values: Record<string, unknown>, io: CliIo, progress: (f: number) => void): Promise<void> {
  if (!file) throw new CliError('inspect needs a file: rnn-workbench inspect data.csv');
  const { summary } = await readFileDataset(file, parseRoles(values.role), progress);
  io.out(values.json ? JSON.stringify(summary) : formatSummary(summary));
}
