/**
 * Column profiles and the roles detected from them (text, label, time, value, sequence, id).
 * Detection looks at values first and names second; every role can be overridden.
 */
import type { ColumnRole, ColumnSummary } from '../contract.js';
import { isDateLike, isMissingMarker, isNumeric, type Cell, type Table } from './read.js';
import { countTokens } from './text.js';

export interface ColumnProfile {
  name: string;
  index: number;
  kind: ColumnSummary['kind'];
  nonEmpty: number;
  missing: number;
  /** distinct values, counted up to DISTINCT_CAP */
  distinct: number;
  /** mean tokens per text value (over the first TOKEN_SAMPLE) */
  meanTokens: number;
  /** numeric values that are whole numbers */
  integers: boolean;
  examples: string[];
}

const DISTINCT_CAP = 100_000;
/**
 * meanTokens is the mean over a column's first this-many text cells: it only tells text from
 * labels, and counting every cell's tokens cost ≈ 0.5 s of reading a 1.8 M-row file.
 */
const TOKEN_SAMPLE = 20_000;
const LABEL_NAME = /^(label|labels|class|target|y|sentiment|category|polarity|outcome)$/i;
const TEXT_NAME = /^(text|sentence|content|review|document|comment|body|tweet|message|utterance)$/i;
const TIME_NAME = /^(date|time|timestamp|datetime|month|day|ds|period)$/i;
const ID_NAME = /^(id|series|series_?id|seq(uence)?_?id|group|unit|station|sensor|city|site|store|region|country|location)$/i;

export function cellText(c: Cell): string {
  if (typeof c === 'string') return c;
  return `[${(c as (number | number[])[]).map((step) => (Array.isArray(step) ? `[${step.join(', ')}]` : step)).join(', ')}]`;
}

/** Features per step of a sequence cell: 1 for a list of numbers, the inner length for a list of lists. */
export function featuresPerStep(c: number[] | number[][]): number {
  return Array.isArray(c[0]) ? c[0].length : 1;
}

export function profileColumns(table: Table): ColumnProfile[] {
  return table.columns.map((name, index) => {
    let nonEmpty = 0;
    let numeric = 0;
    let dates = 0;
    let arrays = 0;
    /** NA, NaN, null, … : missing where the column holds numbers, a value where it holds text */
    let markers = 0;
    let integers = true;
    let tokens = 0;
    let texts = 0;
    const distinct = new Set<string>();
    const examples: string[] = [];
    const column = table.cells[index];
    for (const cell of column) {
      const v = typeof cell === 'string' ? cell.trim() : cellText(cell);
      if (v === '') continue;
      nonEmpty++;
      if (distinct.size < DISTINCT_CAP) distinct.add(v);
      if (examples.length < 3 && !examples.includes(v)) examples.push(v.length > 80 ? `${v.slice(0, 77)}…` : v);
      if (Array.isArray(cell)) {
        arrays++;
        continue;
      }
      if (isMissingMarker(v)) markers++;
      if (isNumeric(v)) {
        numeric++;
        if (!Number.isInteger(Number(v))) integers = false;
      } else if (isDateLike(v)) dates++;
      else if (texts < TOKEN_SAMPLE) {
        tokens += countTokens(v);
        texts++;
      }
    }
    const kind: ColumnSummary['kind'] =
      // mostly sequences: the cells that are not (text, a list with a non-number) are skipped later, each with its line
      nonEmpty === markers ? 'empty' : arrays >= 0.5 * nonEmpty ? 'array' : numeric > 0 && numeric >= 0.9 * (nonEmpty - markers) ? 'numeric' : dates >= 0.9 * nonEmpty ? 'date' : 'text';
    const missing = kind === 'numeric' || kind === 'empty' ? markers : 0;
    return {
      name,
      index,
      kind,
      nonEmpty: nonEmpty - missing,
      missing: column.length - nonEmpty + missing,
      distinct: missing ? [...distinct].filter((v) => !isMissingMarker(v)).length : distinct.size,
      meanTokens: texts > 0 ? tokens / texts : 0,
      integers,
      examples: examples.length ? examples : column.slice(0, 3).map((c) => cellText(c).slice(0, 80)),
    };
  });
}

/**
 * Roles from profiles. One label at most; text wins over label for long strings; a numeric
 * column with few whole-number values beside a text or sequence column is a label.
 */
export function detectRoles(profiles: ColumnProfile[], rows: number): ColumnRole[] {
  const roles: ColumnRole[] = profiles.map((p) => {
    if (p.kind === 'empty') return 'ignore';
    if (p.kind === 'array') return 'sequence';
    if (p.kind === 'date' || (TIME_NAME.test(p.name) && p.kind !== 'text')) return 'time';
    if (p.kind === 'text') {
      if (TEXT_NAME.test(p.name) || p.meanTokens >= 3) return 'text';
      if (LABEL_NAME.test(p.name)) return 'label';
      if (ID_NAME.test(p.name)) return 'id';
      return p.distinct <= Math.max(20, rows * 0.05) ? 'label' : 'text';
    }
    // numeric
    if (LABEL_NAME.test(p.name)) return 'label';
    if (ID_NAME.test(p.name) && p.integers && p.distinct < rows) return 'id';
    return 'value';
  });
  // two short-string columns and no text: the wordier one is the text (label<TAB>short text)
  const textLabels = roles.map((r, i) => (r === 'label' && profiles[i].kind === 'text' ? i : -1)).filter((i) => i >= 0);
  if (!roles.includes('text') && textLabels.length >= 2) {
    const wordiest = textLabels.reduce((a, b) => (profiles[b].meanTokens > profiles[a].meanTokens ? b : a));
    roles[wordiest] = 'text';
  }
  const hasInputs = roles.some((r) => r === 'text' || r === 'sequence');
  // values and no text: a forecast, where a short-text column that repeats (each value at least
  // twice on average) names the series ("city": a series per city), not a label to predict
  if (!hasInputs && roles.includes('value')) {
    roles.forEach((r, i) => {
      const p = profiles[i];
      if (r === 'label' && p.kind === 'text' && !LABEL_NAME.test(p.name) && p.distinct <= rows / 2) roles[i] = 'id';
    });
  }
  // a small set of whole numbers beside text is the label (e.g. "0"/"1" without a header)
  if (hasInputs && !roles.includes('label')) {
    const candidate = profiles.findIndex((p, i) => roles[i] === 'value' && p.integers && p.distinct <= 20);
    if (candidate >= 0) roles[candidate] = 'label';
  }
  // keep a single label: the first one named like a label, else the first found
  const labels = roles.map((r, i) => (r === 'label' ? i : -1)).filter((i) => i >= 0);
  if (labels.length > 1) {
    const keep = labels.find((i) => LABEL_NAME.test(profiles[i].name)) ?? labels[0];
    for (const i of labels) if (i !== keep) roles[i] = profiles[i].kind === 'numeric' && !hasInputs ? 'value' : 'ignore';
  }
  return roles;
}
