/**
 * Text → Table: CSV and TSV through papaparse, JSONL line by line, plain text one example per
 * line (label and text split on a tab when every line has one). Header and delimiter are
 * detected; every row remembers the source line it started on, for errors that name it.
 */
import Papa from 'papaparse';
import type { DataFormat } from '../contract.js';
import { DataError } from './errors.js';

/** A cell is text as the file holds it, or from JSONL a sequence: numbers (one a step), or equal-length lists of numbers (features a step). */
export type Cell = string | number[] | number[][];

/**
 * A parsed file, kept column by column: cells[c][r] is row r's value in column c. Why not an
 * array per row: each cost ≈ 70 B beyond its cells' slots. Parsed, a 100 MB TSV of 1.8 M rows
 * held 307 MB of heap with rows, 210 MB with columns (the text itself is 100 MB of it).
 */
export interface Table {
  file: string;
  format: DataFormat;
  bytes: number;
  hasHeader: boolean;
  columns: string[];
  cells: Cell[][];
  /** 1-based line on which each row starts; its length is the number of rows */
  lines: number[];
}

/** Row r as an array of its cells (for the few rows a summary shows). */
export function tableRow(table: Table, r: number): Cell[] {
  return table.cells.map((column) => column[r]);
}

export function formatFromName(file: string): DataFormat | null {
  const ext = /\.([a-z0-9]+)$/i.exec(file)?.[1]?.toLowerCase();
  if (ext === 'csv') return 'csv';
  if (ext === 'tsv' || ext === 'tab') return 'tsv';
  if (ext === 'jsonl' || ext === 'ndjson') return 'jsonl';
  if (ext === 'txt' || ext === 'text') return 'txt';
  return null;
}

function sniffFormat(text: string): DataFormat {
  const first = text.split('\n', 5).filter((l) => l.trim() !== '');
  if (first[0]?.trimStart().startsWith('{')) return 'jsonl';
  if (first.length && first.every((l) => l.includes('\t'))) return 'tsv';
  if (first.length && first.every((l) => l.includes(','))) return 'csv';
  return 'txt';
}

/** Offsets where each line starts, to turn a character offset into a line number. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineAt(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;
export const isNumeric = (s: string): boolean => NUMBER.test(s);
/** How exports write a missing number (R, pandas, Excel, SQL): taken as an empty cell where a number is expected. */
const MISSING = /^(na|n\/a|#n\/a|nan|null|none|missing|\?|-)$/i;
export const isMissingMarker = (s: string): boolean => MISSING.test(s);
const DATE = /^\s*\d{4}-\d{2}(-\d{2})?([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?\s*$|^\s*\d{1,2}\/\d{1,2}\/\d{4}\s*$|^\s*\d{1,2}\.\d{1,2}\.\d{4}([ T]\d{1,2}:\d{2}(:\d{2})?)?\s*$/;
export const isDateLike = (s: string): boolean => DATE.test(s);
const NAME = /^[\p{L}_][\p{L}\p{N}_ .()\-/]{0,63}$/u;

/**
 * The first row is a header when some column has a word on top of numbers/dates, or when
 * every first-row field looks like a name and never reappears below it in its column.
 */
function detectHeader(rows: string[][]): boolean {
  if (rows.length < 2) return rows.length === 1 && rows[0].every((f) => NAME.test(f.trim()));
  const [first, ...rest] = rows;
  const sample = rest.slice(0, 200);
  const numericBelow = first.some((f, c) => {
    if (isNumeric(f) || isDateLike(f)) return false;
    const below = sample.map((r) => r[c] ?? '').filter((v) => v.trim() !== '');
    return below.length > 0 && below.filter((v) => isNumeric(v) || isDateLike(v)).length >= 0.9 * below.length;
  });
  if (numericBelow) return true;
  const namey = first.every((f) => NAME.test(f.trim())) && new Set(first).size === first.length;
  return namey && first.every((f, c) => !sample.some((r) => r[c] === f)) && first.every((f) => f.trim().split(/\s+/).length <= 3);
}

/** Rows read before the header is decided; they stay in the columns unless they are it. */
const HEADER_SAMPLE = 201;

const DECIMAL_COMMA = /^\s*[-+]?\d+,\d+\s*$/;
const INTEGER = /^\s*[-+]?\d+\s*$/;

const THOUSANDS = /^\s*[-+]?\d{1,3}(,\d{3})+(\.\d+)?\s*$/;

/** How a column writes numbers with a comma in them: decimal commas, thousands separators, or neither. */
type CommaForm = 'decimal' | 'thousands' | null;

/**
 * Each column's comma form, from the rows sampled for the header. Where the delimiter is not a
 * comma, European exports write decimal commas (0,5): every non-empty value an integer or such a
 * number, one at least with a comma. Where it is a comma, a quoted comma is a thousands
 * separator ("1,234.5", as a spreadsheet formats numbers), never a decimal ("1,500" may be a
 * thousand and a half): every non-empty value a number, plain or so grouped; then any grouped
 * value, in the sample or after it, loses its commas (a series that passes 999 only later still
 * reads).
 */
function commaForms(rows: string[][], width: number, delimiter: string): CommaForm[] {
  return Array.from({ length: width }, (_, c) => {
    const values = rows.map((r) => r[c] ?? '').filter((v) => v.trim() !== '');
    if (delimiter === ',') return values.length > 0 && values.every((v) => THOUSANDS.test(v) || isNumeric(v)) ? 'thousands' : null;
    return values.some((v) => DECIMAL_COMMA.test(v)) && values.every((v) => DECIMAL_COMMA.test(v) || INTEGER.test(v)) ? 'decimal' : null;
  });
}

/** Header names made unique, a repeated one numbered by its turn ("text", "text (2)"), so that a role can name each. */
function uniqueNames(names: string[]): string[] {
  const taken = new Set(names);
  const seen = new Set<string>();
  return names.map((name) => {
    if (!seen.has(name)) {
      seen.add(name);
      return name;
    }
    let k = 2;
    while (taken.has(`${name} (${k})`)) k++;
    const unique = `${name} (${k})`;
    taken.add(unique);
    return unique;
  });
}

/** A cell as a number column of that comma form holds it: a decimal comma made a point, thousands separators dropped. */
function withoutCommas(v: string, form: CommaForm): string {
  if (form === 'decimal' && DECIMAL_COMMA.test(v)) return v.replace(',', '.');
  // (every number of a comma file's numeric column comes here: the regex only where there is a comma)
  if (form === 'thousands' && v.includes(',') && THOUSANDS.test(v)) return v.replaceAll(',', '');
  return v;
}

function parseDelimited(file: string, text: string, format: DataFormat, delimiter: string | undefined): Omit<Table, 'bytes'> {
  const starts = lineStarts(text);
  // the first rows wait as rows until the header is decided; every later row goes straight
  // into the columns, and papaparse's array for it is garbage at once
  let head: string[][] | null = [];
  const headLines: number[] = [];
  let hasHeader = false;
  let columns: string[] = [];
  let cells: string[][] = [];
  const lines: number[] = [];
  let ragged: { line: number; fields: number } | null = null;
  let used = ',';
  let forms: CommaForm[] = [];
  const add = (row: string[], line: number) => {
    if (row.length !== cells.length) {
      ragged ??= { line, fields: row.length };
      return;
    }
    for (let c = 0; c < row.length; c++) cells[c].push(forms[c] ? withoutCommas(row[c], forms[c]) : row[c]);
    lines.push(line);
  };
  const decide = () => {
    const rows = head!;
    head = null;
    hasHeader = detectHeader(rows);
    const width = rows[0]?.length ?? 0;
    columns = hasHeader ? uniqueNames(rows[0].map((h, i) => h.trim() || `column ${i + 1}`)) : Array.from({ length: width }, (_, i) => `column ${i + 1}`);
    cells = Array.from({ length: width }, () => []);
    forms = commaForms(hasHeader ? rows.slice(1) : rows, width, used);
    for (let i = hasHeader ? 1 : 0; i < rows.length; i++) add(rows[i], headLines[i]);
  };
  let cursor = 0;
  let quoteError: { line: number; message: string } | null = null;
  Papa.parse<string[]>(text, {
    delimiter: delimiter ?? '',
    delimitersToGuess: [',', '\t', ';', '|'],
    newline: '\n',
    skipEmptyLines: 'greedy',
    step(result) {
      const start = cursor;
      cursor = result.meta.cursor;
      used = result.meta.delimiter;
      const bad = result.errors.find((e) => e.type === 'Quotes');
      if (bad && !quoteError) quoteError = { line: lineAt(starts, start + (text[start] === '\n' ? 1 : 0)), message: bad.message };
      // the cursor may sit on the newline that ended the previous row
      const line = lineAt(starts, start < text.length && text[start] === '\n' ? start + 1 : start);
      if (head) {
        head.push(result.data);
        headLines.push(line);
        if (head.length === HEADER_SAMPLE) decide();
      } else add(result.data, line);
    },
  });
  if (head) decide();
  if (quoteError) {
    const q = quoteError as { line: number; message: string };
    throw new DataError('parse', file, `bad quoting (${q.message.toLowerCase()}); a field that contains the delimiter, a quote or a newline must be wrapped in "double quotes", with inner quotes doubled`, q.line);
  }
  if (ragged) {
    const r = ragged as { line: number; fields: number };
    const names = hasHeader ? ` (${columns.map((c) => `"${c}"`).join(', ')})` : '';
    throw new DataError('ragged', file, `this row has ${r.fields} field${r.fields === 1 ? '' : 's'}, expected ${columns.length}${names}`, r.line);
  }
  return { file, format, hasHeader, columns, cells, lines };
}

const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function jsonValue(v: unknown): Cell {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length > 0) {
    if (v.every(isFiniteNumber)) return v as number[];
    // a multivariate sequence: every step a list of the same number of features
    const width = Array.isArray(v[0]) ? v[0].length : 0;
    if (width > 0 && v.every((step) => Array.isArray(step) && step.length === width && step.every(isFiniteNumber))) return v as number[][];
  }
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function parseJsonl(file: string, text: string): Omit<Table, 'bytes'> {
  const columns: string[] = [];
  const index = new Map<string, number>();
  const records: { line: number; entries: [number, Cell][] }[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      throw new DataError('parse', file, `not valid JSON (${(e as Error).message}); each line must hold one JSON object`, i + 1);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DataError('parse', file, `expected a JSON object like {"text": …, "label": …}, got ${Array.isArray(value) ? 'an array' : typeof value}`, i + 1);
    }
    const entries: [number, Cell][] = Object.keys(value).map((k) => {
      if (!index.has(k)) {
        index.set(k, columns.length);
        columns.push(k);
      }
      return [index.get(k)!, jsonValue((value as Record<string, unknown>)[k])];
    });
    records.push({ line: i + 1, entries });
  });
  const cells: Cell[][] = columns.map(() => Array<Cell>(records.length).fill(''));
  records.forEach(({ entries }, r) => {
    for (const [c, v] of entries) cells[c][r] = v;
  });
  return { file, format: 'jsonl', hasHeader: false, columns, cells, lines: records.map((r) => r.line) };
}

function parsePlainText(file: string, text: string): Omit<Table, 'bytes'> {
  const nonEmpty = text.split('\n').filter((l) => l.trim() !== '');
  if (nonEmpty.length > 0 && nonEmpty.filter((l) => l.includes('\t')).length >= 0.9 * nonEmpty.length) {
    return { ...parseDelimited(file, text, 'txt', '\t'), format: 'txt' };
  }
  const texts: Cell[] = [];
  const lines: number[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.trim() === '') return;
    texts.push(l);
    lines.push(i + 1);
  });
  return { file, format: 'txt', hasHeader: false, columns: ['text'], cells: [texts], lines };
}

/** Parses decoded text; throws DataError for anything that is not a usable table. */
export function parseTable(file: string, text: string, bytes: number): Table {
  if (bytes === 0 || text.trim() === '') throw new DataError('empty', file, 'the file is empty; expected a header and data rows, or one example per line');
  // One line ending for everything (CRLF, lone CR, mixed); a line count stays the same.
  const normalized = text.replace(/\r\n?/g, '\n');
  const format = formatFromName(file) ?? sniffFormat(normalized);
  const table =
    format === 'jsonl'
      ? parseJsonl(file, normalized)
      : format === 'txt'
        ? parsePlainText(file, normalized)
        : parseDelimited(file, normalized, format, format === 'tsv' ? '\t' : undefined);
  if (table.columns.length === 0) throw new DataError('no-columns', file, 'no columns found');
  if (table.lines.length === 0) {
    throw new DataError('header-only', file, `the file has a header (${table.columns.map((c) => `"${c}"`).join(', ')}) but no data rows`);
  }
  return { ...table, bytes };
}
