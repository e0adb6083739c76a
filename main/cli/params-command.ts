/** `rnn-workbench params`: the page's parameter table for any sizes. */
import { CellKindSchema, type ParamTable } from '../contract.js';
import { paramTable } from '../engine/params.js';
import { CliError, positiveInt, positiveIntList, type CliIo } from './io.js';

export const paramsHelp = 'params --input N --hidden D [--lengths 10,100,1000] [--cell tanh|gru|lstm] [--json]';

export function formatParamTable(t: ParamTable): string {
  const fmt = (v: number) => v.toLocaleString('en-US');
  const header = ['T', `shared ${t.formula.shared}`, `unshared ${t.formula.unshared}`, 'ratio'];
  const rows = t.rows.map((r) => [String(r.length), fmt(r.shared), fmt(r.unshared), `${fmt(r.ratio)} : 1`]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('   ');
  return [
    `Recurrent parameters, n = ${t.input} inputs, d = ${t.hidden} hidden, ${t.cell} cell`,
    line(header),
    ...rows.map(line),
    `nn.${{ tanh: 'RNN', gru: 'GRU', lstm: 'LSTM' }[t.cell]} convention (two biases): ${fmt(t.torchTwoBiases)}`,
  ].join('\n');
}

export function paramsCommand(values: Record<string, unknown>, io: CliIo): void {
  const input = positiveInt(values.input, '--input');
  const hidden = positiveInt(values.hidden, '--hidden');
  const lengths = values.lengths === undefined ? [10, 100, 1000] : positiveIntList(values.lengths, '--lengths');
  const cell = CellKindSchema.safeParse(values.cell ?? 'tanh');
  if (!cell.success) throw new CliError(`--cell must be tanh, gru or lstm, got "${String(values.cell)}"`);
  const table = paramTable(input, hidden, lengths, cell.data);
  io.out(values.json ? JSON.stringify(table) : formatParamTable(table));
}
