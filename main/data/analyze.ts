/**
 * Table → DatasetSummary and Dataset in one pass: roles (detected, then overridden), the
 * task they imply, validation with errors that name the line, and the summary's statistics.
 */
import type { ColumnRole, DataWarning, DatasetSummary, LengthStats, RoleOverrides, TaskKind } from '../contract.js';
import { cellText, detectRoles, featuresPerStep, profileColumns } from './columns.js';
import type { Dataset, Series, TextCorpus } from './dataset.js';
import { DataError } from './errors.js';
import { MAX_CLASSES } from './limits.js';
import { isMissingMarker, isNumeric, tableRow, type Cell, type Table } from './read.js';
import { fillGaps, parseDate } from './series.js';
import { countTokens, numberTokens } from './text.js';

export interface Analysis {
  summary: DatasetSummary;
  dataset: Dataset;
}

function taskOf(roles: ColumnRole[]): TaskKind {
  const has = (r: ColumnRole) => roles.includes(r);
  if (has('text') && has('label')) return 'text-classification';
  if (has('sequence') && has('label')) return 'sequence-classification';
  if (has('value') && !has('text')) return 'forecast';
  return 'none';
}

export function lengthStats(lengths: number[], unit: LengthStats['unit']): LengthStats | null {
  if (lengths.length === 0) return null;
  // a typed array sorts numbers natively: a comparator sort of 1.8 M lengths took 0.25 s
  const sorted = Float64Array.from(lengths).sort();
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const bins = Math.min(20, max - min + 1);
  const width = Math.ceil((max - min + 1) / bins);
  const histogram = Array.from({ length: Math.ceil((max - min + 1) / width) }, (_, i) => ({ from: min + i * width, to: Math.min(max, min + (i + 1) * width - 1), count: 0 }));
  for (const l of lengths) histogram[Math.floor((l - min) / width)].count++;
  return { unit, count: lengths.length, min, median, max, histogram };
}

/** `carried`: the roles were set on another file (a validation file takes its training file's), so a column it lacks is no mistake. */
function applyOverrides(table: Table, roles: ColumnRole[], overrides: RoleOverrides, carried: boolean): ColumnRole[] {
  const out = [...roles];
  for (const [name, role] of Object.entries(overrides)) {
    const i = table.columns.indexOf(name);
    if (i < 0 && carried) continue;
    if (i < 0) throw new DataError('bad-role', table.file, `no column named "${name}" (columns: ${table.columns.map((c) => `"${c}"`).join(', ')})`);
    if (role === 'label') out.forEach((r, j) => r === 'label' && j !== i && (out[j] = 'ignore'));
    out[i] = role;
  }
  return out;
}

interface LabelInfo {
  classes: string[];
  counts: Map<string, number>;
}

function checkLabels(table: Table, column: number, values: string[], validation: boolean): LabelInfo {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const name = table.columns[column];
  // (a validation file may hold one class: the classes come from the training file)
  if (counts.size === 1 && !validation) {
    throw new DataError('one-class', table.file, `label column "${name}" has a single class ("${values[0]}") in ${values.length.toLocaleString('en-US')} rows; a classifier needs at least two`);
  }
  if (counts.size > MAX_CLASSES) {
    throw new DataError('too-many-classes', table.file, `label column "${name}" has ${counts.size.toLocaleString('en-US')} distinct values; at most ${MAX_CLASSES.toLocaleString('en-US')} classes are supported — is "${name}" really the label?`);
  }
  if ([...counts.keys()].every(isNumeric) && [...counts.keys()].some((v) => !Number.isInteger(Number(v)))) {
    throw new DataError('bad-role', table.file, `label column "${name}" holds continuous numbers (e.g. ${[...counts.keys()].find((v) => !Number.isInteger(Number(v)))}); predicting one number per sequence is not supported — use whole-number classes, or a time/value file to forecast`);
  }
  const numericOrder = [...counts.keys()].every(isNumeric);
  const classes = [...counts.keys()].sort((a, b) => (numericOrder ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
  return { classes, counts };
}

/** A series' value at a row: NaN where it is missing (empty, or a marker such as NA), filled later (fillGaps). */
function seriesNumber(table: Table, row: number, column: number): number {
  const raw = table.cells[column][row];
  const v = typeof raw === 'string' ? raw.trim() : '';
  if (v === '' || isMissingMarker(v)) return NaN;
  if (!isNumeric(v)) throw new DataError('not-numeric', table.file, `column "${table.columns[column]}" expects a number, got "${v.slice(0, 40)}"`, table.lines[row]);
  return Number(v);
}

/**
 * A text dataset whose tokens are numbered when a run first asks for them: a summary needs
 * only their counts. Its own function, so the getter's closure holds these texts alone, not the
 * parsed table around them, and lets go of them once they are numbered.
 */
function textDataset(classes: string[], texts: string[], labels: Int32Array, lines: Int32Array): Dataset {
  let pending: string[] | null = texts;
  let corpus: TextCorpus | null = null;
  return {
    kind: 'text-classification',
    classes,
    get corpus() {
      if (!corpus) {
        corpus = { ...numberTokens(pending!), labels, lines };
        pending = null;
      }
      return corpus;
    },
  };
}

/** Classes that are one another but for letter case ("pos", "Pos"), in groups of two or more. */
function caseVariants(classes: string[]): string[][] {
  const groups = new Map<string, string[]>();
  for (const c of classes) {
    const key = c.toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  return [...groups.values()].filter((g) => g.length > 1);
}

/** Why a row's input cell cannot be a text (or a sequence `width` numbers a step) example; null where it can. */
function inputProblem(task: 'text-classification' | 'sequence-classification', input: Cell, width: number): string | null {
  if (task === 'text-classification') return typeof input === 'string' ? null : 'holds a list of numbers, not text';
  if (typeof input === 'string') return 'is not a list of numbers';
  const w = featuresPerStep(input);
  return w === width ? null : `has ${w} numbers a step where most rows have ${width}`;
}

/** The most common number of features a step among a column's sequences (1 where there are none). */
function commonWidth(cells: Cell[]): number {
  const counts = new Map<number, number>();
  for (const c of cells) {
    if (typeof c === 'string' || c.length === 0) continue;
    const w = featuresPerStep(c);
    counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return [...counts].reduce((best, e) => (e[1] > best[1] ? e : best), [1, 0])[0];
}

/**
 * `validation`: the file only checks a model trained on another, so a single class is enough,
 * and the roles set on the training file apply to the columns of the same names it has.
 */
export function analyzeTable(table: Table, overrides: RoleOverrides = {}, { validation = false } = {}): Analysis {
  const profiles = profileColumns(table);
  const rowCount = table.lines.length;
  const roles = applyOverrides(table, detectRoles(profiles, rowCount), overrides, validation);
  const task = taskOf(roles);
  const col = (r: ColumnRole) => roles.indexOf(r);
  const warnings: DataWarning[] = [];
  const skipped: DatasetSummary['skipped'] = [];
  let dataset: Dataset = { kind: 'none' };
  let labels: DatasetSummary['labels'] = null;
  let lengths: LengthStats | null = null;

  if (task === 'text-classification' || task === 'sequence-classification') {
    const inputRole = task === 'text-classification' ? 'text' : 'sequence';
    const inputCol = col(inputRole);
    const others = roles.map((r, i) => (r === inputRole && i !== inputCol ? `"${table.columns[i]}"` : '')).filter(Boolean);
    if (others.length > 0) {
      warnings.push({ code: 'several-inputs', message: `several columns hold ${inputRole === 'text' ? 'text' : 'sequences'}: only "${table.columns[inputCol]}" is the model's input, not ${others.join(', ')}; to use another, set its role to ${inputRole} and the others' to ignore` });
    }
    const labelCol = col('label');
    const inputs = table.cells[inputCol];
    const labelCells = table.cells[labelCol];
    // features per step of a sequence: as most rows have them (a row with another count is skipped)
    const width = task === 'sequence-classification' ? commonWidth(inputs) : 1;
    // the rows kept, by number, and their labels: no object per row (1.8 M of them for a 100 MB file)
    const kept: number[] = [];
    const keptLabels: string[] = [];
    for (let i = 0; i < rowCount; i++) {
      const label = cellText(labelCells[i]).trim();
      const input = inputs[i];
      const emptyInput = typeof input === 'string' ? input.trim() === '' : input.length === 0;
      if (label === '' || emptyInput) {
        skipped.push({ line: table.lines[i], reason: label === '' ? `empty label ("${table.columns[labelCol]}")` : `empty input ("${table.columns[inputCol]}")` });
        continue;
      }
      const problem = inputProblem(task, input, width);
      if (problem) {
        skipped.push({ line: table.lines[i], reason: `"${table.columns[inputCol]}" ${problem}` });
        continue;
      }
      kept.push(i);
      keptLabels.push(label);
    }
    if (kept.length === 0) throw new DataError('missing-value', table.file, `no row has both a "${table.columns[inputCol]}" and a "${table.columns[labelCol]}"`);
    const info = checkLabels(table, labelCol, keptLabels, validation);
    const classIndex = new Map(info.classes.map((c, i) => [c, i]));
    labels = {
      column: table.columns[labelCol],
      kind: info.classes.length === 2 ? 'binary' : 'multiclass',
      classes: info.classes.map((value) => ({ value, count: info.counts.get(value)! })),
    };
    const keptLines = Int32Array.from(kept, (i) => table.lines[i]);
    if (task === 'text-classification') {
      // Tokens are built when a run asks for them: a summary needs only their counts.
      const texts = kept.map((i) => inputs[i] as string);
      lengths = lengthStats(texts.map((t) => countTokens(t)), 'tokens');
      dataset = textDataset(info.classes, texts, Int32Array.from(keptLabels, (l) => classIndex.get(l)!), keptLines);
    } else {
      const examples = kept.map((i, k) => ({ values: (inputs[i] as number[] | number[][]).flat(), label: classIndex.get(keptLabels[k])!, line: keptLines[k] }));
      dataset = { kind: 'sequence-classification', classes: info.classes, width, examples };
      lengths = lengthStats(examples.map((e) => e.values.length / width), 'steps');
      if (lengths && width > 1) lengths.features = width;
    }
    const variants = caseVariants(info.classes);
    if (variants.length > 0) {
      const shown = variants.slice(0, 3).map((group) => group.map((v) => `"${v}"`).join(' and ')).join(', ');
      warnings.push({ code: 'label-variants', message: `labels that differ only in letter case: ${shown}${variants.length > 3 ? ` and ${variants.length - 3} more` : ''}; each is a class of its own — fix the file if they mean one` });
    }
    const counts = labels.classes.map((c) => c.count);
    const ratio = Math.max(...counts) / Math.min(...counts);
    if (ratio >= 3) {
      const minority = labels.classes.reduce((a, b) => (b.count < a.count ? b : a));
      warnings.push({ code: 'imbalance', message: `classes are imbalanced (${ratio.toFixed(1)}:1); the rarest, "${minority.value}", has ${minority.count} rows — accuracy alone will flatter the model` });
    }
    // a duplicate repeats an earlier row's input and label. Keyed by the input itself, so no key
    // string is made per row (1.8 M of them for a 100 MB file); an input seen under two labels
    // falls back to a (label, input) key
    const firstLabel = new Map<string, string>();
    const relabelled = new Set<string>();
    let dups = 0;
    kept.forEach((i, k) => {
      const input = cellText(inputs[i]);
      const label = keptLabels[k];
      const first = firstLabel.get(input);
      if (first === undefined) firstLabel.set(input, label);
      else if (first === label) dups++;
      else {
        const key = `${label}\u0000${input}`;
        if (relabelled.has(key)) dups++;
        else relabelled.add(key);
      }
    });
    if (dups > 0) warnings.push({ code: 'duplicates', message: `${dups.toLocaleString('en-US')} duplicate rows (${((100 * dups) / kept.length).toFixed(1)}%); a random split may put copies on both sides` });
  } else if (task === 'forecast') {
    const valueCols = roles.map((r, i) => (r === 'value' ? i : -1)).filter((i) => i >= 0);
    const timeCol = col('time');
    const idCol = col('id');
    const groups = new Map<string, number[]>();
    for (let i = 0; i < rowCount; i++) {
      const id = idCol >= 0 ? cellText(table.cells[idCol][i]).trim() : 'series';
      if (!groups.has(id)) groups.set(id, []);
      groups.get(id)!.push(i);
    }
    /** where the first series out of time order was found, for the warning */
    let unsorted: string | null = null;
    const gaps = { filled: 0, dropped: 0, firstLine: Infinity };
    const series: Series[] = [...groups].map(([id, rowIdx]) => {
      let values = rowIdx.map((i) => valueCols.map((c) => seriesNumber(table, i, c)));
      const missing = values.findIndex((row) => row.some(Number.isNaN));
      if (missing >= 0) gaps.firstLine = Math.min(gaps.firstLine, table.lines[rowIdx[missing]]);
      let times: number[] | null = null;
      if (timeCol >= 0) {
        times = rowIdx.map((i) => {
          const raw = cellText(table.cells[timeCol][i]);
          const t = parseDate(raw);
          const asNumber = isNumeric(raw) ? Number(raw) : NaN;
          if (Number.isNaN(t) && Number.isNaN(asNumber)) {
            throw new DataError('not-numeric', table.file, `column "${table.columns[timeCol]}" expects a date like 1981-01-31 (or a number), got "${raw.slice(0, 40)}"`, table.lines[i]);
          }
          return Number.isNaN(t) ? asNumber : t;
        });
        // rows out of time order would make windows of shuffled history: sort them, and say so
        const k = times.findIndex((t, j) => j > 0 && t < times![j - 1]);
        if (k > 0) {
          const at = (j: number) => cellText(table.cells[timeCol][rowIdx[j]]).trim();
          unsorted ??= `line ${table.lines[rowIdx[k]]}: ${at(k)} after ${at(k - 1)}`;
          const order = times.map((_, j) => j).sort((a, b) => times![a] - times![b] || a - b);
          [times, values] = [order.map((j) => times![j]), order.map((j) => values[j])];
        }
      }
      // gaps are filled in time order, after any sort
      const done = fillGaps(values, times);
      if ('emptyColumn' in done) {
        const where = idCol >= 0 ? ` for ${table.columns[idCol]} "${id}"` : '';
        if (done.emptyColumn < 0) throw new DataError('missing-value', table.file, `no row${where} lies between the first and the last number of every value column; a series needs rows with all its values`);
        throw new DataError('missing-value', table.file, `column "${table.columns[valueCols[done.emptyColumn]]}" has no number${where} (every value empty or missing); a series needs values to forecast from`);
      }
      gaps.filled += done.filled;
      gaps.dropped += done.dropped;
      return { id, times: done.times, values: done.values };
    });
    if (gaps.filled + gaps.dropped > 0) {
      const parts = [gaps.filled ? `${gaps.filled.toLocaleString('en-US')} filled by linear interpolation between the values around them` : '', gaps.dropped ? `${gaps.dropped.toLocaleString('en-US')} rows at a series' start or end without a value dropped` : ''];
      warnings.push({ code: 'missing-values', message: `missing values (empty or NA): ${parts.filter(Boolean).join('; ')}; first at line ${gaps.firstLine}` });
    }
    if (unsorted) {
      warnings.push({ code: 'unsorted-time', message: `rows are not in time order (first at ${unsorted}); each series was sorted by "${table.columns[timeCol]}"` });
    }
    dataset = { kind: 'forecast', valueColumns: valueCols.map((c) => table.columns[c]), series };
    lengths = lengthStats(series.map((s) => s.values.length), 'steps');
    const shortest = Math.min(...series.map((s) => s.values.length));
    if (shortest < 24) warnings.push({ code: 'short-series', message: `the shortest series has only ${shortest} steps; windows for forecasting need more` });
  } else {
    warnings.push({
      code: 'no-task',
      message: 'no trainable task found: text classification needs a text and a label column, forecasting a numeric value column; set the column roles',
    });
  }

  if (lengths && lengths.max > 500 && task !== 'forecast') {
    warnings.push({ code: 'long-sequences', message: `the longest sequence has ${lengths.max.toLocaleString('en-US')} ${lengths.unit}; an unshared model needs a weight set for every position up to it` });
  }
  if (skipped.length > 0) {
    const reasons = [...new Set(skipped.map((s) => s.reason))].slice(0, 3).join('; ');
    warnings.push({ code: 'rows-skipped', message: `${skipped.length.toLocaleString('en-US')} rows skipped (${reasons}); first at line ${skipped[0].line}` });
  }

  const summary: DatasetSummary = {
    file: table.file,
    format: table.format,
    bytes: table.bytes,
    hasHeader: table.hasHeader,
    rows: rowCount,
    columns: profiles.map((p, i) => ({ name: p.name, index: p.index, role: roles[i], kind: p.kind, distinct: p.distinct, missing: p.missing, examples: p.examples })),
    task,
    labels,
    lengths,
    samples: Array.from({ length: Math.min(5, rowCount) }, (_, r) => tableRow(table, r).map((c) => cellText(c).slice(0, 200))),
    warnings,
    skipped: skipped.slice(0, 1000),
  };
  return { summary, dataset };
}
