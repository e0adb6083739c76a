/**
 * A RunConfig's data, ready to train: train/validation items, the model config resolved
 * from the data (input width, classes), and items for evaluating any length.
 */
import { basename } from 'node:path';
import { FORECAST_WINDOW, ModelConfigSchema, type DataShape, type ModelConfig, type RunConfig, type SessionFile, type ValidationOverlap } from '../contract.js';
import { itemLength, maxLength, splitRandom, type SequenceItem } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import { DataError } from '../data/errors.js';
import { corpusRows, forecastItems, textItems, textVocab } from '../data/prepare.js';
import { makeTask } from '../data/tasks.js';
import { classifies, datasetOverlap, noValidationFile, validationMismatch } from '../data/validation-match.js';
import { createRng, type Rng } from '../engine/random.js';
import { checkEvalLengths, checkFitsMemory, checkFitsModel } from './run-checks.js';

export interface PreparedData {
  model: ModelConfig;
  train: SequenceItem[];
  val: SequenceItem[];
  metricName: 'accuracy' | 'mse';
  /** longest sequence in the training items */
  trainedMax: number;
  /** evaluation items of length ≈ L (exactly L for tasks and windows), or [] where the data has none */
  evalAt(length: number): SequenceItem[];
  /** evalAt(L) is a bucket of a file's lengths up to L (from the previous length asked), not exactly L */
  evalBuckets: boolean;
  info: NonNullable<SessionFile['dataset']>;
}

/** The file reader, injected so this module stays free of fs (the worker passes data-files.ts); `validation`: a --val file. */
export type DatasetLoader = (path: string, overrides: Record<string, import('../contract.js').ColumnRole>, validation?: boolean) => Promise<{ dataset: Dataset; sha256: string; rows: number; columns: string[] }>;

const EVAL_COUNT = 256;
/** A task's evaluation sequences at one length, all steps together, at most: 256 of 1,000,000 steps filled the heap (fewer, at least one, go longer). */
const EVAL_TASK_STEPS = 4_000_000;
/** A task's sequences, all steps together, at most: its examples are JS arrays (≈ 100 bytes a step with what is made from them). */
const MAX_TASK_STEPS = 20_000_000;

function resolveModel(config: RunConfig, input: ModelConfig['input'], head: ModelConfig['head']): ModelConfig {
  const given = config.model.input;
  const inputCfg = input.type === 'embedding' ? { ...input, embed: given?.type === 'embedding' ? given.embed : 32 } : input;
  // the run's seed sets the initial weights too (with the data split and batch order)
  return ModelConfigSchema.parse({ ...config.model, input: inputCfg, head, seed: config.seed });
}

/** Items whose length falls in (previous eval length, L]; the point is drawn at L. */
function bucketAt(items: SequenceItem[], lengths: number[], L: number): SequenceItem[] {
  const sorted = [...lengths].sort((a, b) => a - b);
  const prev = sorted[sorted.indexOf(L) - 1] ?? 0;
  return items.filter((e) => itemLength(e) > prev && itemLength(e) <= L);
}

/**
 * The run's data, ready to train, or refused before any training (run-checks.ts): sequences
 * longer than the model has weights for, or a step too large for memory.
 */
export async function prepareRunData(config: RunConfig, load: DatasetLoader): Promise<PreparedData> {
  const data = await prepareData(config, load);
  checkFitsModel(config, data);
  checkFitsMemory(config, data);
  checkEvalLengths(config, data);
  return data;
}

async function prepareData(config: RunConfig, load: DatasetLoader): Promise<PreparedData> {
  const d = config.data;
  const rng = createRng(config.seed + 17);
  const valFraction = config.train.validationFraction;
  if (d.type === 'task') {
    // (checked before making them: 2,000 sequences of up to 100,000 steps filled the heap and aborted the worker)
    const steps = (d.count * (d.minLen + d.maxLen)) / 2;
    if (steps > MAX_TASK_STEPS) {
      throw new DataError('too-large', `task "${d.task}"`, `${d.count.toLocaleString('en-US')} sequences of ${d.minLen}–${d.maxLen.toLocaleString('en-US')} steps are about ${(steps / 1e6).toFixed(0)} M steps; at most ${MAX_TASK_STEPS / 1e6} M are supported: use fewer or shorter sequences`);
    }
    const set = makeTask(d.task, { count: d.count, minLen: d.minLen, maxLen: d.maxLen, seed: config.seed, positions: d.positions });
    const items: SequenceItem[] = set.examples.map((e) => ({ tokens: e.tokens, values: e.values, label: e.label }));
    const [train, val] = splitRandom(items, [1 - valFraction, valFraction], rng);
    const input: ModelConfig['input'] = set.inputKind === 'tokens' ? { type: 'embedding', vocab: set.width, embed: 32 } : { type: 'features', size: set.width };
    return {
      model: resolveModel(config, input, { type: 'classify', classes: set.classes }),
      train,
      val,
      metricName: 'accuracy',
      trainedMax: maxLength(train),
      evalBuckets: false,
      evalAt: (L) =>
        makeTask(d.task, { count: Math.max(1, Math.min(EVAL_COUNT, Math.floor(EVAL_TASK_STEPS / L))), minLen: L, maxLen: L, seed: config.seed + 1_000_003 * L }).examples.map((e) => ({ tokens: e.tokens, values: e.values, label: e.label })),
      info: { source: `task:${d.task}`, sha256: null, rows: d.count, columns: [], vocab: null },
    };
  }

  const loaded = await load(d.path, d.overrides);
  const ds = loaded.dataset;
  const info = { source: d.path, sha256: loaded.sha256, rows: loaded.rows, columns: loaded.columns };
  if (classifies(ds)) refuseForecastSettings(d, ds.kind);
  if (ds.kind === 'text-classification') return textRunData(config, d, ds, info, load, rng);
  if (ds.kind === 'forecast') {
    if (d.validationPath) throw new DataError('bad-role', basename(d.validationPath), noValidationFile({ kind: ds.kind, file: basename(d.path) }, config.train.validationFraction)!);
    return forecastRunData(config, d, ds, info);
  }
  if (ds.kind === 'sequence-classification') return sequenceRunData(config, d, ds, info, load, rng);
  throw new DataError('bad-role', basename(d.path), 'no trainable task in this file: set the column roles (a text and a label column, or a numeric value column)');
}

type FileData = Extract<RunConfig['data'], { type: 'file' }>;

/** A window or clocks asked of a file that is not a series would be ignored; say so instead of training without them. */
function refuseForecastSettings(d: FileData, kind: 'text-classification' | 'sequence-classification'): void {
  const asked = [d.window !== FORECAST_WINDOW && `a window of ${d.window} steps`, d.clocks.length > 0 && `clocks (${d.clocks.join(', ')})`].filter(Boolean);
  if (asked.length) throw new DataError('bad-role', basename(d.path), `${asked.join(' and ')} ${d.clocks.length ? 'apply' : 'applies'} only to forecasting a numeric series; this is a ${kind.replace('-', ' ')} file`);
}

/**
 * The --val file of a classification run, once it fits the training file (validation-match.ts),
 * with its labels' numbers in the training file's numbering.
 */
async function validationFile<T extends OfKind<'text-classification' | 'sequence-classification'>>(d: FileData, train: T, trainSha256: string | null, load: DatasetLoader): Promise<{ dataset: T; sha256: string; classIndex: (label: number) => number }> {
  const path = d.validationPath!;
  const { dataset, sha256 } = await load(path, d.overrides, true);
  const mismatch = validationMismatch(shapeOf(train, basename(d.path), trainSha256), shapeOf(dataset, basename(path), sha256));
  if (mismatch) throw new DataError('bad-role', basename(path), mismatch);
  const own = (dataset as T).classes;
  return { dataset: dataset as T, sha256, classIndex: (label) => train.classes.indexOf(own[label]) };
}

function shapeOf(ds: Dataset, file: string, sha256: string | null): DataShape {
  return { file, sha256: sha256 ?? undefined, kind: ds.kind, classes: classifies(ds) ? ds.classes : [], width: ds.kind === 'sequence-classification' ? ds.width : null };
}
type FileInfo = Omit<PreparedData['info'], 'vocab'>;
type OfKind<K extends Dataset['kind']> = Extract<Dataset, { kind: K }>;

// One function per kind of data: a closure a run keeps (evalAt) holds what its own function
// holds, so the parsed dataset (1.8 M rows of a 100 MB file) is not kept for the whole run.

async function textRunData(config: RunConfig, d: FileData, ds: OfKind<'text-classification'>, info: FileInfo, load: DatasetLoader, rng: Rng): Promise<PreparedData> {
  const valFraction = config.train.validationFraction;
  const classes = ds.classes;
  const corpus = ds.corpus;
  let trainRows = corpusRows(corpus);
  let valRows: number[];
  let valCorpus = corpus;
  let validationSha256: string | undefined;
  let overlap: ValidationOverlap | null = null;
  if (d.validationPath) {
    const v = await validationFile(d, ds, info.sha256, load);
    validationSha256 = v.sha256;
    // its own token numbers; its labels as the training file numbers them
    valCorpus = { ...v.dataset.corpus, labels: v.dataset.corpus.labels.map(v.classIndex) };
    valRows = corpusRows(valCorpus);
    overlap = datasetOverlap(ds, v.dataset);
  } else {
    [trainRows, valRows] = splitRandom(trainRows, [1 - valFraction, valFraction], rng);
  }
  // The vocabulary sees the training split only.
  const vocab = textVocab(corpus, trainRows, { minFreq: d.minFreq, maxSize: d.vocabSize });
  const train = textItems(corpus, trainRows, vocab, d.maxTokens);
  const val = textItems(valCorpus, valRows, vocab, d.maxTokens);
  const lengths = config.evalLengths;
  return {
    model: resolveModel(config, { type: 'embedding', vocab: vocab.size, embed: 32 }, { type: 'classify', classes: classes.length }),
    train,
    val,
    metricName: 'accuracy',
    trainedMax: maxLength(train),
    evalAt: (L) => bucketAt(val, lengths, L),
    evalBuckets: true,
    info: { ...info, vocab: vocab.tokens, ...(validationSha256 && { validationSha256 }), ...(overlap && { validationOverlap: overlap }) },
  };
}

function forecastRunData(config: RunConfig, d: FileData, ds: OfKind<'forecast'>, info: FileInfo): PreparedData {
  const valFraction = config.train.validationFraction;
  const f = forecastItems(ds.series, { window: d.window, clocks: d.clocks, trainFraction: 1 - valFraction });
  if (f.train.length === 0) {
    // no window fits: without this the run would "complete" at step 0 and report an untrained model
    const longest = Math.max(...ds.series.map((s) => Math.round(s.values.length * (1 - valFraction))));
    const held = Math.round(100 * valFraction);
    throw new DataError('too-short', basename(d.path), `a window of ${d.window} steps (and the step it forecasts) does not fit in the training part of any series: the longest has ${longest} steps (the last ${held} % of each series is held out for validation); use a window of at most ${longest - 1}`);
  }
  const outputs = ds.valueColumns.length;
  return {
    model: resolveModel(config, { type: 'features', size: f.features }, { type: 'regress', outputs }),
    train: f.train,
    val: f.test,
    metricName: 'mse',
    trainedMax: d.window,
    // windows of length L over the held-out end of each series (with the history just before
    // it), normalised with the training statistics
    evalBuckets: false,
    evalAt: (L) =>
      ds.series.flatMap((s) => {
        const from = Math.max(0, Math.round(s.values.length * (1 - valFraction)) - L);
        const tail = { ...s, values: s.values.slice(from), times: s.times?.slice(from) ?? null };
        return forecastItems([tail], { window: L, clocks: d.clocks, trainFraction: 0, normalizer: f.normalizer }).test;
      }),
    info: { ...info, vocab: null },
  };
}

async function sequenceRunData(config: RunConfig, d: FileData, ds: OfKind<'sequence-classification'>, info: FileInfo, load: DatasetLoader, rng: Rng): Promise<PreparedData> {
  const valFraction = config.train.validationFraction;
  const w = ds.width;
  const steps = (e: { values: number[] }) => Array.from({ length: e.values.length / w }, (_, t) => e.values.slice(t * w, (t + 1) * w));
  const items: SequenceItem[] = ds.examples.map((e) => ({ values: steps(e), label: e.label }));
  let [train, val] = [items, [] as SequenceItem[]];
  let validationSha256: string | undefined;
  let overlap: ValidationOverlap | null = null;
  if (d.validationPath) {
    const v = await validationFile(d, ds, info.sha256, load);
    validationSha256 = v.sha256;
    val = v.dataset.examples.map((e) => ({ values: steps(e), label: v.classIndex(e.label) }));
    overlap = datasetOverlap(ds, v.dataset);
  } else [train, val] = splitRandom(items, [1 - valFraction, valFraction], rng);
  const lengths = config.evalLengths;
  return {
    model: resolveModel(config, { type: 'features', size: w }, { type: 'classify', classes: ds.classes.length }),
    train,
    val,
    metricName: 'accuracy',
    trainedMax: maxLength(train),
    evalAt: (L) => bucketAt(val, lengths, L),
    evalBuckets: true,
    info: { ...info, vocab: null, ...(validationSha256 && { validationSha256 }), ...(overlap && { validationOverlap: overlap }) },
  };
}
