/**
 * Whether a validation file can validate a model trained on another file: the same kind of
 * task, no label the training file lacks (fewer is fine: one class is enough), and sequences
 * as wide. One rule for the app, which checks a file when it is chosen, and for a run, which
 * checks again when it starts (the file may have changed in between).
 */
import { VALIDATION_FRACTION, type DataShape, type ValidationOverlap } from '../contract.js';
import type { Dataset } from './dataset.js';
import { textKeys } from './text.js';

const kindText = (kind: DataShape['kind']) => (kind === 'none' ? 'no trainable task' : `a ${kind.replace('-', ' ')} file`);

/** Why a training file takes no validation file at all (it is no classification), or null; `fraction`: the share of each series a forecast holds out. */
export function noValidationFile(train: Pick<DataShape, 'kind' | 'file'>, fraction = VALIDATION_FRACTION): string | null {
  if (train.kind === 'forecast') return `a validation file is for classification; a forecast of ${train.file} is validated on the last ${Math.round(100 * fraction)} % of each series`;
  if (train.kind === 'none') return `a validation file is for classification; ${train.file} is no trainable task`;
  return null;
}

/** Why `val` cannot validate a model trained on `train`, or null. */
export function validationMismatch(train: DataShape, val: DataShape): string | null {
  const trainFile = train.file;
  const none = noValidationFile(train);
  if (none) return none;
  // (scored on the very examples it trains on, its validation would say nothing of held-out ones)
  if (train.sha256 && val.sha256 === train.sha256) return `this is the training file itself (the same bytes as ${trainFile}): validating on it would score the examples the model trains on; choose a held-out file, or none to hold out ${100 * VALIDATION_FRACTION} % of the training file`;
  if (val.kind !== train.kind) return `the validation file is ${kindText(val.kind)}, the training file (${trainFile}) ${kindText(train.kind)}`;
  const unknown = val.classes.find((c) => !train.classes.includes(c));
  if (unknown !== undefined) return `label "${unknown}" does not occur in the training file (${trainFile}: ${train.classes.map((c) => `"${c}"`).join(', ')})`;
  if (val.width !== train.width) return `its sequences have ${val.width} numbers a step, the training file's ${train.width}`;
  return null;
}

/**
 * The validation examples whose input (`valKeys`, one string an example, as `trainKeys`) the
 * training file also holds, or null where none does. Why: a copy scores an example the model
 * trained on, so its accuracy is recall, not generalization; the same bytes are refused
 * (validationMismatch), a file sharing some examples is only said so, as a held-out split of a
 * file with duplicates may share some too.
 */
export function validationOverlap(trainKeys: Iterable<string>, valKeys: readonly string[], valLines: ArrayLike<number>): ValidationOverlap | null {
  const seen = new Set(trainKeys);
  let count = 0;
  let firstLine = 0;
  valKeys.forEach((key, i) => {
    if (!seen.has(key)) return;
    if (count++ === 0) firstLine = valLines[i];
  });
  return count ? { count, of: valKeys.length, firstLine } : null;
}

type Classified = Extract<Dataset, { kind: 'text-classification' | 'sequence-classification' }>;

/** Each example's input as one string, what the model sees of it (a text's tokens, a sequence's numbers), and its line. */
function inputKeys(ds: Classified): { keys: string[]; lines: ArrayLike<number> } {
  if (ds.kind === 'text-classification') return { keys: textKeys(ds.corpus), lines: ds.corpus.lines };
  return { keys: ds.examples.map((e) => e.values.join(',')), lines: ds.examples.map((e) => e.line) };
}

/** Whether a read file is a classification task (which a validation file may validate). */
export const classifies = (ds: Dataset): ds is Classified => ds.kind === 'text-classification' || ds.kind === 'sequence-classification';

/** validationOverlap of two read files (a training file and its validation file); null where they are no classification files of one kind. */
export function datasetOverlap(train: Dataset, val: Dataset): ValidationOverlap | null {
  if (!classifies(train) || !classifies(val) || train.kind !== val.kind) return null;
  const v = inputKeys(val);
  return validationOverlap(inputKeys(train).keys, v.keys, v.lines);
}

/** The overlap in one sentence (a run's message puts the validation file's name before it). */
export function overlapText(o: ValidationOverlap): string {
  const share = (100 * o.count) / o.of;
  return `${o.count.toLocaleString('en-US')} of ${o.of.toLocaleString('en-US')} validation examples (${share < 1 ? share.toFixed(1) : Math.round(share)} %) also occur in the training file (the first on line ${o.firstLine} of the validation file): their accuracy measures recall of training examples, not generalization`;
}
