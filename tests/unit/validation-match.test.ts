/** A validation file against its training file: the one rule the app (when a file is chosen) and a run (when it starts) apply. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataShape } from '../../main/contract.js';
import { readDataset } from '../../main/data/index.js';
import { overlapText, validationMismatch, validationOverlap } from '../../main/data/validation-match.js';
import { numberTokens, textKeys } from '../../main/data/text.js';
import { datasetsDir } from '../helpers/fixtures.js';

const read = (file: string, text: string, overrides = {}, validation = false) => {
  const bytes = new TextEncoder().encode(text);
  return readDataset([bytes], { file, size: bytes.length, overrides, validation });
};

describe('validationMismatch', () => {
  it('takes a file of the same kind with fewer classes, and names what differs otherwise', async () => {
    const dev = readFileSync(resolve(datasetsDir, 'sst2-dev.tsv'), 'utf8').split('\n');
    const train = dataShape((await read('sst2-dev.tsv', dev.join('\n'))).summary);
    expect(train).toEqual({ file: 'sst2-dev.tsv', kind: 'text-classification', classes: ['0', '1'], width: null });
    const positives = [dev[0], ...dev.slice(1).filter((l) => l.startsWith('1\t'))].join('\n');
    // one class: refused as a training file, taken as a validation file
    await expect(read('pos.tsv', positives)).rejects.toThrow(/has a single class/);
    const pos = dataShape((await read('pos.tsv', positives, {}, true)).summary);
    expect(validationMismatch(train, pos)).toBeNull();
    // the training file's own bytes, under any name
    expect(validationMismatch({ ...train, sha256: 'ab12' }, { ...pos, file: 'copy.tsv', sha256: 'ab12' })).toMatch(/^this is the training file itself \(the same bytes as sst2-dev\.tsv\)/);
    expect(validationMismatch(train, { ...pos, classes: ['1', '2'] })).toBe('label "2" does not occur in the training file (sst2-dev.tsv: "0", "1")');
    const series = dataShape((await read('AirPassengers.csv', readFileSync(resolve(datasetsDir, 'AirPassengers.csv'), 'utf8'))).summary);
    expect(validationMismatch(train, series)).toBe('the validation file is a forecast file, the training file (sst2-dev.tsv) a text classification file');
    expect(validationMismatch(series, train)).toBe('a validation file is for classification; a forecast of AirPassengers.csv is validated on the last 10 % of each series');
  });

  it('sequences must be as wide as the training file’s', async () => {
    const jsonl = (rows: number[][][]) => rows.map((seq, i) => JSON.stringify({ sequence: seq, label: i % 2 ? 'up' : 'down' })).join('\n');
    const wide = dataShape((await read('wide.jsonl', jsonl([[[1, 2], [3, 4]], [[5, 6]], [[1, 1], [2, 2], [3, 3]], [[0, 1]]]))).summary);
    const narrow = dataShape((await read('narrow.jsonl', jsonl([[[1], [3]], [[5]]]), {}, true)).summary);
    expect(wide.width).toBe(2);
    expect(validationMismatch(wide, narrow)).toBe("its sequences have 1 numbers a step, the training file's 2");
  });

  it('roles set on the training file carry to the validation file’s columns of the same names; ones it lacks are no error there', async () => {
    const text = 'review,stars,source\ngood film,1,web\nbad film,0,web\nfine,1,mail\n';
    const roles = { review: 'text', stars: 'label', source: 'ignore', extra: 'ignore' } as const;
    await expect(read('train.csv', text, roles)).rejects.toThrow('no column named "extra"');
    const { summary } = await read('val.csv', text, roles, true);
    expect(summary.columns.map((c) => c.role)).toEqual(['text', 'label', 'ignore']);
  });
});

describe('validationOverlap', () => {
  it('counts the validation texts the training file also holds, by their tokens, whatever each corpus numbers them', () => {
    const train = numberTokens(['a fine film', 'Dull , dull', 'nothing new']);
    const val = numberTokens(['something else', 'dull, DULL', 'a fine  film', 'a fine film !']);
    expect(textKeys(val)).toEqual(['something else', 'dull , dull', 'a fine film', 'a fine film !']);
    const overlap = validationOverlap(textKeys(train), textKeys(val), [2, 3, 4, 5]);
    // the same tokens (case and spacing aside) are the same input to the model; one more token is another
    expect(overlap).toEqual({ count: 2, of: 4, firstLine: 3 });
    expect(overlapText(overlap!)).toBe('2 of 4 validation examples (50 %) also occur in the training file (the first on line 3 of the validation file): their accuracy measures recall of training examples, not generalization');
    expect(overlapText({ count: 3, of: 1821, firstLine: 7 })).toMatch(/^3 of 1,821 validation examples \(0\.2 %\)/);
    expect(validationOverlap(textKeys(train), ['other'], [2])).toBeNull();
  });

  it('SST-2 dev shares no sentence with SST-2 train', () => {
    const texts = (file: string) => readFileSync(resolve(datasetsDir, file), 'utf8').split('\n').slice(1).filter(Boolean).map((l) => l.split('\t')[1]);
    const dev = texts('sst2-dev.tsv');
    expect(validationOverlap(textKeys(numberTokens(texts('sst2-train.tsv'))), textKeys(numberTokens(dev)), dev.map((_, i) => i + 2))).toBeNull();
  });
});
