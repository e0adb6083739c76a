/** Reading real and malformed files: a correct summary or one DataError naming file and line. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetSummarySchema } from '../../main/contract.js';
import { DataError, readDataset, type Analysis } from '../../main/data/index.js';
import { MAX_LINE_CHARS } from '../../main/data/limits.js';
import { datasetsDir } from '../helpers/fixtures.js';

const enc = new TextEncoder();
const read = (file: string, content: string | Uint8Array, overrides = {}) => {
  const bytes = typeof content === 'string' ? enc.encode(content) : content;
  return readDataset([bytes], { file, size: bytes.length, overrides });
};
const readReal = (name: string) => {
  const bytes = readFileSync(resolve(datasetsDir, name));
  return readDataset([bytes], { file: name, size: bytes.length });
};
async function failure(p: Promise<Analysis>): Promise<DataError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

describe('the four datasets in ../shared/datasets', () => {
  it('sst2-train.tsv: CRLF TSV, text column "sentence", binary labels, 1–53 tokens', async () => {
    const { summary, dataset } = await readReal('sst2-train.tsv');
    DatasetSummarySchema.parse(summary);
    expect(summary).toMatchObject({ format: 'tsv', hasHeader: true, rows: 67_349, task: 'text-classification' });
    expect(summary.columns.map((c) => [c.name, c.role])).toEqual([['label', 'label'], ['sentence', 'text']]);
    expect(summary.labels).toEqual({ column: 'label', kind: 'binary', classes: [{ value: '0', count: 29_780 }, { value: '1', count: 37_569 }] });
    // whitespace tokens run 1–52; our tokenizer also splits a few abbreviations ("mr." → mr .)
    expect(summary.lengths).toMatchObject({ unit: 'tokens', count: 67_349, min: 1, median: 7, max: 53 });
    expect(summary.lengths!.histogram.reduce((s, b) => s + b.count, 0)).toBe(67_349);
    expect(summary.warnings.map((w) => w.code)).toEqual(['duplicates']);
    if (dataset.kind !== 'text-classification') throw new Error('expected text');
    const { tokens, ids, starts, labels, lines } = dataset.corpus;
    const text = (i: number) => [...ids.subarray(starts[i], starts[i + 1])].map((id) => tokens[id]);
    expect({ tokens: text(0), label: labels[0], line: lines[0] }).toEqual({ tokens: ['hide', 'new', 'secretions', 'from', 'the', 'parental', 'units'], label: 0, line: 2 });
    expect([labels.length, starts.length, ids.length]).toEqual([67_349, 67_350, starts[67_349]]);
    // one number per distinct token, the same number wherever it occurs
    const words = new Set(Array.from(labels, (_, i) => text(i)).flat());
    expect(tokens.length).toBe(words.size);
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it('sst2-dev.tsv: the text column is "content" here, and is still found', async () => {
    const { summary } = await readReal('sst2-dev.tsv');
    expect(summary.columns.map((c) => [c.name, c.role])).toEqual([['label', 'label'], ['content', 'text']]);
    expect(summary.labels!.classes).toEqual([{ value: '0', count: 428 }, { value: '1', count: 444 }]);
    expect(summary).toMatchObject({ rows: 872, task: 'text-classification', lengths: { min: 2, max: 52 } });
  });

  it('AirPassengers.csv: quoted header, monthly dates, one series of 144 steps', async () => {
    const { summary, dataset } = await readReal('AirPassengers.csv');
    expect(summary.columns.map((c) => [c.name, c.role, c.kind])).toEqual([['date', 'time', 'date'], ['value', 'value', 'numeric']]);
    expect(summary).toMatchObject({ rows: 144, task: 'forecast', lengths: { unit: 'steps', min: 144, max: 144 } });
    if (dataset.kind !== 'forecast') throw new Error('expected a forecast dataset');
    expect(dataset.series[0].values.slice(0, 3)).toEqual([[112], [118], [132]]);
    expect(new Date(dataset.series[0].times![143]).toISOString().slice(0, 10)).toBe('1960-12-01');
  });

  it('AirPassengers.csv with holes (empty, NA, null): inner ones are interpolated between their neighbours by date, edge rows dropped, and a warning says so', async () => {
    const [header, ...rows] = readFileSync(resolve(datasetsDir, 'AirPassengers.csv'), 'utf8').trim().split(/\r?\n/);
    const hole = (i: number, marker: string) => (rows[i] = rows[i].replace(/,\d+$/, `,${marker}`));
    // rows 1 (Feb 1949) and 2, then 100: inside; row 143 (the last): an edge
    [[1, ''], [2, 'NA'], [100, 'null'], [143, 'NaN']].forEach(([i, m]) => hole(i as number, m as string));
    const { summary, dataset } = await read('holes.csv', [header, ...rows].join('\n'));
    expect(summary.columns[1]).toMatchObject({ kind: 'numeric', role: 'value', missing: 4 });
    expect(summary.warnings).toContainEqual({ code: 'missing-values', message: "missing values (empty or NA): 3 filled by linear interpolation between the values around them; 1 rows at a series' start or end without a value dropped; first at line 3" });
    if (dataset.kind !== 'forecast') throw new Error('expected a forecast dataset');
    const { values, times } = dataset.series[0];
    expect(values).toHaveLength(143);
    // Jan 1949 112 and Apr 1949 129 around two holes: by days, not rows (31 + 28 of 90 days, then 31 more)
    expect(values[1][0]).toBeCloseTo(112 + (17 * 31) / 90, 10);
    expect(values[2][0]).toBeCloseTo(112 + (17 * 59) / 90, 10);
    expect(new Date(times![142]).toISOString().slice(0, 10)).toBe('1960-11-01');
  });

  it('daily-min-temperatures.csv: ISO dates, 3,650 daily values', async () => {
    const { summary, dataset } = await readReal('daily-min-temperatures.csv');
    expect(summary.columns.map((c) => [c.name, c.role])).toEqual([['Date', 'time'], ['Temp', 'value']]);
    expect(summary).toMatchObject({ rows: 3650, task: 'forecast' });
    expect(dataset.kind === 'forecast' && dataset.series[0].values[0]).toEqual([20.7]);
  });

  it('AirPassengers.csv as two interleaved series: a repeating text column beside the dates and values names the series (not a label)', async () => {
    const text = readFileSync(resolve(datasetsDir, 'AirPassengers.csv'), 'utf8');
    const rows = text.trim().split(/\r?\n/).slice(1);
    // "carrier" is no name the detector knows: it goes by the layout (values, no text) and by the repeats
    const both = ['carrier,date,value', ...rows.flatMap((r) => [`north,${r}`, `south,${r.replace(/,(\d+)$/, (_, v) => `,${2 * Number(v)}`)}`])].join('\n');
    const [original, two] = [await readReal('AirPassengers.csv'), await read('two.csv', both)];
    expect(two.summary.columns.map((c) => [c.name, c.role])).toEqual([['carrier', 'id'], ['date', 'time'], ['value', 'value']]);
    if (two.dataset.kind !== 'forecast' || original.dataset.kind !== 'forecast') throw new Error('expected forecasts');
    expect(two.dataset.series.map((s) => [s.id, s.values.length])).toEqual([['north', 144], ['south', 144]]);
    expect(two.dataset.series[0].values).toEqual(original.dataset.series[0].values);
    expect(two.dataset.series[1].values).toEqual(original.dataset.series[0].values.map(([v]) => [2 * v]));
    expect(two.summary.lengths).toMatchObject({ count: 2, min: 144, max: 144 });
  });

  it('daily-min-temperatures.csv as a European export (semicolons, day-first dates with dots, decimal commas) is the same series', async () => {
    const text = readFileSync(resolve(datasetsDir, 'daily-min-temperatures.csv'), 'utf8');
    const rows = text.trim().split(/\r?\n/).slice(1).map((r) => r.replace(/^"?(\d{4})-(\d{2})-(\d{2})"?,(\d+)\.?(\d*)$/, (_, y, m, d, whole, frac) => `${d}.${m}.${y};${whole}${frac ? `,${frac}` : ''}`));
    expect(rows[0]).toBe('01.01.1981;20,7');
    const [original, european] = [await readReal('daily-min-temperatures.csv'), await read('temperaturen.csv', ['Datum;Temperatur', ...rows].join('\n'))];
    expect(european.summary.columns.map((c) => [c.name, c.role, c.kind])).toEqual([['Datum', 'time', 'date'], ['Temperatur', 'value', 'numeric']]);
    if (european.dataset.kind !== 'forecast' || original.dataset.kind !== 'forecast') throw new Error('expected forecasts');
    expect(european.dataset.series[0].times).toEqual(original.dataset.series[0].times);
    expect(european.dataset.series[0].values).toEqual(original.dataset.series[0].values);
    // with commas as delimiters a quoted "1,5" may be a thousand and a half: it stays text there
    const quoted = await read('q.csv', ['date,value', ...Array.from({ length: 30 }, (_, i) => `2020-01-${String(i + 1).padStart(2, '0')},"${i},5"`)].join('\n'));
    expect(quoted.summary.columns.map((c) => c.kind)).toEqual(['date', 'text']);
  });

  it('daily-min-temperatures.csv with its rows out of order: each series is sorted by its dates, and a warning says where the order broke', async () => {
    const text = readFileSync(resolve(datasetsDir, 'daily-min-temperatures.csv'), 'utf8');
    const [header, ...rows] = text.trim().split(/\r?\n/);
    // the second half first: the order breaks at line 1,827, where the first half begins after 1990
    const swapped = [header, ...rows.slice(1825), ...rows.slice(0, 1825)].join('\n');
    const [original, shuffled] = [await readReal('daily-min-temperatures.csv'), await read('d.csv', swapped)];
    expect(original.summary.warnings.map((w) => w.code)).not.toContain('unsorted-time');
    expect(shuffled.summary.warnings.find((w) => w.code === 'unsorted-time')?.message).toBe('rows are not in time order (first at line 1827: 1981-01-01 after 1990-12-31); each series was sorted by "Date"');
    expect(shuffled.dataset).toEqual(original.dataset);
  });
});

describe('formats and quirks', () => {
  it('BOM, CRLF, lone CR and mixed endings all read the same', async () => {
    const rows = ['text,label', 'good film,1', 'bad film,0', 'fine film,1'];
    const expected = (await read('a.csv', rows.join('\n'))).summary;
    for (const variant of ['\ufeff' + rows.join('\r\n'), rows.join('\r'), `${rows[0]}\r\n${rows[1]}\n${rows[2]}\r${rows[3]}\n`]) {
      const { summary } = await read('a.csv', variant);
      expect(summary.samples).toEqual(expected.samples);
      expect(summary.columns.map((c) => c.name)).toEqual(['text', 'label']);
    }
  });

  it('text split across chunks inside a character (é, emoji, CJK, a BOM) reads as it does whole', async () => {
    const csv = '\ufefftext,label\ncafé crème,1\n😀 great 😀,0\n映画は良い,1\n';
    const bytes = enc.encode(csv);
    const whole = (await read('u.csv', bytes)).summary;
    expect(whole.samples.map((r) => r[0])).toEqual(['café crème', '😀 great 😀', '映画は良い']);
    expect(whole.columns.map((c) => c.name)).toEqual(['text', 'label']);
    // every cut, one or two bytes at a time: through the BOM and inside each multi-byte character
    for (const step of [1, 2, 3]) {
      const chunks = Array.from({ length: Math.ceil(bytes.length / step) }, (_, i) => bytes.slice(i * step, (i + 1) * step));
      const { summary } = await readDataset(chunks, { file: 'u.csv', size: bytes.length });
      expect(summary.samples).toEqual(whole.samples);
      expect(summary.columns).toEqual(whole.columns);
    }
  });

  it('quoted fields with delimiters and newlines; later rows keep their true line numbers', async () => {
    const csv = 'text,label\n"great, truly great",1\n"a line\nbreak inside",0\n"ragged",1,extra\n';
    const err = await failure(read('q.csv', csv));
    expect(err.code).toBe('ragged');
    expect(err.message).toBe('q.csv: line 5: this row has 3 fields, expected 2 ("text", "label")');
  });

  it('rows past the 201 read before the header is decided keep their values, lines and errors', async () => {
    // the parser holds the first 201 rows as rows until it knows whether row 1 is a header,
    // then puts every row straight into its column
    const body = Array.from({ length: 300 }, (_, i) => `review number ${i} here\t${i % 3}`);
    const { summary, dataset } = await read('long.tsv', `text\tlabel\n${body.join('\n')}\n`);
    expect(summary).toMatchObject({ rows: 300, hasHeader: true });
    expect(summary.samples[0]).toEqual(['review number 0 here', '0']);
    expect(summary.labels!.classes).toEqual([{ value: '0', count: 100 }, { value: '1', count: 100 }, { value: '2', count: 100 }]);
    if (dataset.kind !== 'text-classification') throw new Error('expected text');
    const { tokens, ids, starts, labels, lines } = dataset.corpus;
    const last = [...ids.subarray(starts[299], starts[300])].map((id) => tokens[id]);
    expect({ last, label: labels[299], line: lines[299], line200: lines[200] }).toEqual({ last: ['review', 'number', '299', 'here'], label: 2, line: 301, line200: 202 });
    // a ragged row inside the first 201 and one after them, with and without a header
    const ragged = (at: number, header: boolean) => [...(header ? ['text\tlabel'] : []), ...body.map((l, i) => (i === at ? `${l}\textra` : l))].join('\n');
    for (const [at, header] of [[5, true], [250, true], [250, false]] as const) {
      const err = await failure(read('r.tsv', ragged(at, header)));
      expect(err.message).toBe(`r.tsv: line ${at + (header ? 2 : 1)}: this row has 3 fields, expected 2${header ? ' ("text", "label")' : ''}`);
    }
    // a JSONL key first seen on a later line is empty in the lines before it
    const jsonl = await read('k.jsonl', '{"text":"a b c","label":1}\n{"text":"d e f","label":0,"note":"x"}\n');
    expect(jsonl.summary.columns.map((c) => [c.name, c.missing])).toEqual([['text', 0], ['label', 0], ['note', 1]]);
    expect(jsonl.summary.samples).toEqual([['a b c', '1', ''], ['d e f', '0', 'x']]);
  });

  it('bad quoting is named with its line', async () => {
    const err = await failure(read('bad.csv', 'text,label\nfine,1\n"unterminated,0\nother,1\n'));
    expect(err.code).toBe('parse');
    expect(err.line).toBe(3);
  });

  it('a "__proto__" header is just a column name', async () => {
    const { summary } = await read('p.csv', '__proto__,value\na,1\nb,2\nc,3\n');
    expect(summary.columns.map((c) => c.name)).toEqual(['__proto__', 'value']);
    expect(({} as Record<string, unknown>).value).toBeUndefined();
  });

  it('no header: columns are numbered and roles still found', async () => {
    const { summary } = await read('n.tsv', '1\tgreat fun for all\n0\tdull and slow\n1\tlovely little film\n');
    expect(summary.hasHeader).toBe(false);
    expect(summary.columns.map((c) => [c.name, c.role])).toEqual([['column 1', 'label'], ['column 2', 'text']]);
    expect(summary.task).toBe('text-classification');
  });

  it('JSONL with numeric arrays is sequence classification; bad JSON names its line', async () => {
    const { summary } = await read('s.jsonl', '{"seq":[1,0,1],"label":0}\n\n{"seq":[1,1],"label":0}\n{"seq":[1],"label":1}\n');
    expect(summary).toMatchObject({ format: 'jsonl', task: 'sequence-classification', lengths: { min: 1, max: 3 } });
    const err = await failure(read('s.jsonl', '{"text":"ok","label":1}\n{"text": oops}\n'));
    expect(err.message).toMatch(/^s\.jsonl: line 2: not valid JSON/);
    const err2 = await failure(read('s.jsonl', '{"text":"ok","label":1}\n[1,2]\n'));
    expect(err2.message).toMatch(/line 2: expected a JSON object/);
  });

  it('JSONL lists of lists are multivariate sequences; rows of another width, or not numbers, are skipped by line', async () => {
    const rows = [
      { x: [[0.5, 1, -1], [0, 0, 2]], label: 'run' },
      { x: [[1, 2]], label: 'walk' },
      { x: [[1, 2, 3]], label: 'walk' },
      { x: [1, 'a'], label: 'run' },
      { x: [[2, 2, 2], [3, 3, 3], [4, 4, 4]], label: 'walk' },
    ];
    const { summary, dataset } = await read('m.jsonl', rows.map((r) => JSON.stringify(r)).join('\n'));
    expect(summary).toMatchObject({ task: 'sequence-classification', lengths: { unit: 'steps', min: 1, max: 3, count: 3, features: 3 } });
    expect(summary.columns[0]).toMatchObject({ name: 'x', role: 'sequence', kind: 'array', distinct: 5, examples: ['[[0.5, 1, -1], [0, 0, 2]]', '[[1, 2]]', '[[1, 2, 3]]'] });
    expect(summary.skipped).toEqual([
      { line: 2, reason: '"x" has 2 numbers a step where most rows have 3' },
      { line: 4, reason: '"x" is not a list of numbers' },
    ]);
    expect(dataset).toMatchObject({ kind: 'sequence-classification', width: 3, examples: [{ values: [0.5, 1, -1, 0, 0, 2], line: 1 }, { values: [1, 2, 3], line: 3 }, { values: [2, 2, 2, 3, 3, 3, 4, 4, 4], line: 5 }] });
    // a one-number-a-step file says no width, and a list forced to be text is skipped, not tokenized
    expect((await read('s.jsonl', '{"seq":[1,0],"label":0}\n{"seq":[1],"label":1}\n')).summary.lengths?.features).toBeUndefined();
    const forced = await read('f.jsonl', '{"seq":[1,0],"label":0}\n{"seq":"one two","label":1}\n{"seq":"three","label":0}\n', { seq: 'text' });
    expect(forced.summary).toMatchObject({ task: 'text-classification', skipped: [{ line: 1, reason: '"seq" holds a list of numbers, not text' }] });
  });

  it('plain text: label<TAB>text per line, or one unlabeled example per line', async () => {
    const { summary } = await read('t.txt', 'pos\tI loved it\nneg\tI hated it\npos\tgreat\n');
    expect(summary.task).toBe('text-classification');
    expect(summary.labels!.classes.map((c) => c.value)).toEqual(['neg', 'pos']);
    const plain = await read('u.txt', 'just some lines\nof text\n');
    expect(plain.summary.task).toBe('none');
    expect(plain.summary.warnings[0].code).toBe('no-task');
  });

  it('long format: rows grouped by a sequence id become one series per id', async () => {
    const rows = ['series_id,t,value', ...[1, 2].flatMap((id) => Array.from({ length: 30 }, (_, t) => `${id},${t},${id * 10 + t}`))];
    const { summary, dataset } = await read('long.csv', rows.join('\n'), { t: 'time' });
    expect(summary.columns.map((c) => c.role)).toEqual(['id', 'time', 'value']);
    expect(dataset.kind === 'forecast' && dataset.series.map((s) => [s.id, s.values.length])).toEqual([['1', 30], ['2', 30]]);
  });

  it('roles can be overridden; an unknown column is a clear error', async () => {
    const { summary } = await read('o.csv', 'a,b,c\nx,1,2\ny,2,3\nz,3,4\n', { b: 'ignore' });
    expect(summary.columns.map((c) => c.role)).toEqual(['label', 'ignore', 'value']);
    const err = await failure(read('o.csv', 'a,b\nx,1\n', { zz: 'label' }));
    expect(err.message).toBe('o.csv: no column named "zz" (columns: "a", "b")');
  });

  it('rows with an empty text or label are skipped, counted and named', async () => {
    const { summary, dataset } = await read('s.csv', 'text,label\ngood,1\n,0\nbad,\nfine,1\nawful,0\n');
    expect(summary.skipped).toEqual([{ line: 3, reason: 'empty input ("text")' }, { line: 4, reason: 'empty label ("label")' }]);
    expect(summary.warnings.find((w) => w.code === 'rows-skipped')!.message).toMatch(/^2 rows skipped .*first at line 3$/);
    expect(dataset.kind === 'text-classification' && Array.from(dataset.corpus.lines)).toEqual([2, 5, 6]);
  });

  it('a repeated header name is numbered, so that a role can name each; of several text columns the first is the input, and a warning says so', async () => {
    const { summary } = await read('two.csv', 'text,text,label\nthe best movie ever,i loved every minute of it,1\nworst film in years,the plot made no sense at all,0\n');
    expect(summary.columns.map((c) => [c.name, c.role])).toEqual([['text', 'text'], ['text (2)', 'text'], ['label', 'label']]);
    expect(summary.lengths).toMatchObject({ min: 4, max: 4 });
    expect(summary.warnings).toContainEqual({ code: 'several-inputs', message: 'several columns hold text: only "text" is the model\'s input, not "text (2)"; to use another, set its role to text and the others\' to ignore' });
    const chosen = await read('two.csv', 'text,text,label\nthe best movie ever,i loved every minute of it,1\nworst film in years,the plot made no sense at all,0\n', { text: 'ignore' });
    expect(chosen.summary).toMatchObject({ lengths: { min: 6, max: 7 }, warnings: [] });
  });

  it('a comma CSV\'s numbers with thousands separators ("1,234.5", quoted) are numbers, also past the rows sampled for the header', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `2020-01-01T${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')},"${(i * 10).toLocaleString('en-US')}.5"`);
    const { summary, dataset } = await read('sales.csv', ['time,sales', ...rows].join('\n'));
    expect(summary.columns[1]).toMatchObject({ role: 'value', kind: 'numeric' });
    if (dataset.kind !== 'forecast') throw new Error('expected a forecast');
    expect(dataset.series[0].values.slice(99, 101)).toEqual([[990.5], [1000.5]]);
    expect(dataset.series[0].values[299]).toEqual([2990.5]);
    // a semicolon file's "1,234" is a decimal comma, as before
    const eu = await read('eu.csv', 'date;value\n2020-01-01;1,234\n2020-01-02;2,5\n2020-01-03;3\n');
    if (eu.dataset.kind !== 'forecast') throw new Error('expected a forecast');
    expect(eu.dataset.series[0].values).toEqual([[1.234], [2.5], [3]]);
  });

  it('labels that differ only in letter case are warned about, and stay classes of their own', async () => {
    const { summary } = await read('c.csv', 'text,label\ngood movie,pos\nbad movie,neg\nfine film,Pos\nawful,NEG \nnice, pos\nmeh,neutral\n');
    expect(summary.labels?.classes.map((c) => c.value)).toEqual(['NEG', 'Pos', 'neg', 'neutral', 'pos']);
    expect(summary.warnings).toContainEqual({ code: 'label-variants', message: 'labels that differ only in letter case: "NEG" and "neg", "Pos" and "pos"; each is a class of its own — fix the file if they mean one' });
    expect((await read('d.csv', 'text,label\ngood movie,pos\nbad movie,neg\n')).summary.warnings).toEqual([]);
  });

  it('imbalance and duplicates are warned about', async () => {
    const rows = ['text,label', ...Array.from({ length: 40 }, (_, i) => `text number ${i % 30},1`), 'odd one,0', 'odd two,0'];
    const { summary } = await read('i.csv', rows.join('\n'));
    expect(summary.warnings.map((w) => w.code).sort()).toEqual(['duplicates', 'imbalance']);
    expect(summary.warnings.find((w) => w.code === 'duplicates')!.message).toMatch(/^10 duplicate rows \(23\.8%\)/);
  });
  it('a duplicate repeats both input and label: the same text under another label is not one, until it repeats too', async () => {
    const rows = ['text,label', 'fine,1', 'fine,0', 'fine,1', 'meh,0', 'fine,0', 'fine,2', 'meh,1'];
    const { summary } = await read('d.csv', rows.join('\n'));
    expect(summary.warnings.find((w) => w.code === 'duplicates')!.message).toMatch(/^2 duplicate rows \(28\.6%\)/);
  });
});

describe('bad input: one specific error, nothing half-loaded', () => {
  it.each([
    ['empty file', 'e.csv', '', 'empty', 'e.csv: the file is empty; expected a header and data rows, or one example per line'],
    ['whitespace only', 'w.csv', '\n \n', 'empty', /the file is empty/],
    ['header only', 'h.csv', 'text,label\n', 'header-only', 'h.csv: the file has a header ("text", "label") but no data rows'],
    ['one class', 'c.csv', 'text,label\na b,1\nc d,1\ne f,1\n', 'one-class', 'c.csv: label column "label" has a single class ("1") in 3 rows; a classifier needs at least two'],
    ['5,000 classes', 'k.csv', ['text,label', ...Array.from({ length: 5000 }, (_, i) => `some words ${i},class${i}`)].join('\n'), 'too-many-classes', /label column "label" has 5,000 distinct values; at most 1,000 classes/],
    ['non-numeric value in a series', 'v.csv', ['date,value', ...Array.from({ length: 20 }, (_, i) => `2020-01-${String(i + 1).padStart(2, '0')},${i === 12 ? 'abc' : i}`)].join('\n'), 'not-numeric', 'v.csv: line 14: column "value" expects a number, got "abc"'],
    ['a series with no number', 'm.csv', 'date,city,value\n2020-01-01,a,1\n2020-01-02,a,2\n2020-01-01,b,\n2020-01-02,b,NA\n', 'missing-value', 'm.csv: column "value" has no number for city "b" (every value empty or missing); a series needs values to forecast from'],
    ['bad date in a series', 'd.csv', 'date,value\n2020-01-01,1\n2020-13-45,2\n2020-01-03,3\n', 'not-numeric', /^d\.csv: line 3: column "date" expects a date/],
    ['continuous label', 'r.csv', 'text,label\ngood one,0.5\nbad one,0.25\n', 'bad-role', /holds continuous numbers/],
  ])('%s', async (_what, file, content, code, message) => {
    const err = await failure(read(file, content));
    expect(err.code).toBe(code);
    if (typeof message === 'string') expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
  });

  it('a binary file (PNG bytes) is refused', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    const err = await failure(read('image.csv', png));
    expect(err.code).toBe('binary');
    expect(err.message).toMatch(/^image\.csv: .*binary file.*expected text/);
  });

  it('Latin-1 text is refused as not UTF-8, naming the line', async () => {
    const latin1 = new Uint8Array([...enc.encode('text,label\ngood,1\ncaf'), 0xe9, ...enc.encode(' au lait,0\n')]);
    const err = await failure(read('l.csv', latin1));
    expect(err.code).toBe('encoding');
    expect(err.message).toBe('l.csv: line 3: the text is not valid UTF-8 (saved as Latin-1 or UTF-16?); save the file as UTF-8');
  });

  it('UTF-16 with a byte-order mark (Excel\'s "Unicode Text") reads as UTF-8 does, in either byte order and across chunks', async () => {
    const bytes = readFileSync(resolve(datasetsDir, 'sst2-dev.tsv'));
    const text = bytes.toString('utf8');
    const utf16 = (bigEndian: boolean) => {
      const le = Buffer.from(`\uFEFF${text.replace(/\r?\n/g, '\r\n')}`, 'utf16le');
      return bigEndian ? le.swap16() : le;
    };
    const plain = await readReal('sst2-dev.tsv');
    for (const bigEndian of [false, true]) {
      const all = utf16(bigEndian);
      // cut at odd offsets: inside a character's two bytes
      const chunks = [all.subarray(0, 1001), all.subarray(1001, 50_001), all.subarray(50_001)];
      const got = await readDataset(chunks, { file: 'excel.txt', size: all.length });
      expect(got.summary).toMatchObject({ task: 'text-classification', rows: 872, labels: plain.summary.labels, lengths: plain.summary.lengths });
      expect(got.summary.samples).toEqual(plain.summary.samples);
    }
    const noBom = Buffer.from(text, 'utf16le');
    const err = await failure(read('nobom.tsv', noBom));
    expect(err.message).toBe('nobom.tsv: this looks like UTF-16 text without a byte-order mark; save the file as UTF-8 (or as UTF-16 with a BOM)');
    const cut = await failure(read('cut.tsv', Buffer.concat([Buffer.from('\uFEFFlabel\ttext\n1\thi\n', 'utf16le'), Buffer.from([0x41])])));
    expect(cut.message).toBe('cut.tsv: line 3: the text is not valid UTF-16LE (a broken surrogate pair or a cut-off last byte); save the file as UTF-8');
    const nul = await failure(read('nul.tsv', Buffer.from('\uFEFFlabel\ttext\n1\th\0i\n', 'utf16le')));
    expect(nul.code).toBe('binary');
  });

  it('a line of 10 MB is refused with its line number', async () => {
    const big = `text,label\ngood,1\n${'x'.repeat(10 * 1024 * 1024)},0\n`;
    const err = await failure(read('big.csv', big));
    expect(err.code).toBe('line-too-long');
    expect(err.message).toBe(`big.csv: line 3: the line is longer than ${MAX_LINE_CHARS.toLocaleString('en-US')} characters, the supported maximum for one example`);
  });

  it('an over-long line is named by its line after CR, LF and CRLF endings, cut across chunks; a line of exactly the limit passes', async () => {
    const head = 'text,label\r\na,1\rb,0\nc,1\r\n';
    const atLimit = `${'y'.repeat(MAX_LINE_CHARS - 2)},1\r\n`;
    const over = `${'z'.repeat(MAX_LINE_CHARS - 1)},0\n`;
    const bytes = enc.encode(head + atLimit + over);
    // cuts between the CR and LF of a CRLF, and inside both long lines
    const cuts = [head.length - 1, head.length + 1000, head.length + atLimit.length - 1, head.length + atLimit.length + 5, bytes.length - 2];
    const chunks = [0, ...cuts].map((from, i) => bytes.slice(from, cuts[i] ?? bytes.length));
    const err = await failure(readDataset(chunks, { file: 'long.csv', size: bytes.length }));
    expect(err.code).toBe('line-too-long');
    expect(err.message).toMatch(/^long\.csv: line 6: the line is longer than/);
  });

  it('a 500 MB file is refused before any byte is read', async () => {
    let pulled = 0;
    const chunks = (function* () {
      pulled++;
      yield new Uint8Array(1);
    })();
    const err = await failure(readDataset(chunks, { file: 'huge.csv', size: 500 * 1024 * 1024 }));
    expect(err.code).toBe('too-large');
    expect(err.message).toBe('huge.csv: the file is 500 MiB; files up to 128 MiB are supported');
    expect(pulled).toBe(0);
  });

  it('reports progress while reading in chunks', async () => {
    const bytes = readFileSync(resolve(datasetsDir, 'sst2-dev.tsv'));
    const seen: number[] = [];
    const chunks = Array.from({ length: Math.ceil(bytes.length / 10_000) }, (_, i) => bytes.subarray(i * 10_000, (i + 1) * 10_000));
    await readDataset(chunks, { file: 'sst2-dev.tsv', size: bytes.length, onProgress: (p) => seen.push(p.bytesRead) });
    expect(seen.length).toBe(chunks.length);
    expect(seen.at(-1)).toBe(bytes.length);
  });

  it('multi-byte characters split across chunks decode correctly', async () => {
    const bytes = enc.encode('text,label\ncafé crème,1\nnaïve,0\nüber,1\n');
    const chunks = Array.from(bytes, (b) => new Uint8Array([b]));
    const { summary } = await readDataset(chunks, { file: 'u.csv', size: bytes.length });
    expect(summary.samples[0]).toEqual(['café crème', '1']);
  });
});
