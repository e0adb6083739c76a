/**
 * THE typed API of RNN Workbench. Main, preload, the serve bridge, workers and the renderer
 * import these schemas and types; every message that crosses a process boundary is parsed
 * with its schema on the receiving side. Plain data only: configs are serialised as they are.
 */
import { z } from 'zod';

// ── Backends ────────────────────────────────────────────────────────────────
export const BackendNameSchema = z.enum(['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu']);
export type BackendName = z.infer<typeof BackendNameSchema>;

export const BackendReportSchema = z.object({
  /** the backend tfjs really runs (checked with tf.getBackend()) */
  backend: BackendNameSchema,
  device: z.enum(['gpu', 'cpu']),
  /** faster backends that were tried first, with the reason each was not used */
  tried: z.array(z.object({ name: BackendNameSchema, error: z.string() })),
  /**
   * when more than one fast backend loaded (a GPU one and wasm), the training steps timed on
   * each for this run's model: the faster one runs (small RNNs can lose on a GPU)
   */
  measured: z
    .array(
      z.object({
        backend: BackendNameSchema,
        msPerStep: z.number(),
        /** on webgpu: the cells' own programs, or the ops */
        kernels: z.enum(['programs', 'ops']).optional(),
        /** 1: only its warm-up step was timed, already far slower than the fastest (engine/calibrate.ts) */
        steps: z.number().int().positive().optional(),
      }),
    )
    .optional(),
  /**
   * on wasm: the engine's own SIMD kernels (matmul, fused cells, Adam) run, their matmul with
   * relaxed-SIMD fused multiply-add or with plain mul + add; absent: they do not (other backends)
   */
  simd: z.enum(['relaxed-simd-fma', 'simd']).optional(),
  /** on webgpu: the adapter it runs on (e.g. "NVIDIA: 580.159.04") */
  adapter: z.string().optional(),
  /** the app's report (backend.get): whether runs will time webgpu too, seen without loading it */
  gpu: z.object({ present: z.boolean(), detail: z.string() }).optional(),
});
export type BackendReport = z.infer<typeof BackendReportSchema>;

/** How the engine's SIMD kernels run, in a few words ('' where they do not): for the app and the CLI alike. */
export function simdText(report: Pick<BackendReport, 'simd'>): string {
  if (!report.simd) return '';
  return report.simd === 'relaxed-simd-fma' ? 'SIMD kernels with FMA' : 'SIMD kernels without FMA (no relaxed SIMD in this runtime)';
}

// ── Models ──────────────────────────────────────────────────────────────────
export const CellKindSchema = z.enum(['tanh', 'gru', 'lstm']);
export type CellKind = z.infer<typeof CellKindSchema>;

/** 'single': the page's one b_h; 'pytorch': nn.RNN/GRU/LSTM's b_ih + b_hh. */
export const BiasStyleSchema = z.enum(['single', 'pytorch']);
export type BiasStyle = z.infer<typeof BiasStyleSchema>;

/** 'page': randn·0.01 and zero bias, as the page's code; 'pytorch': uniform ±1/√d, as nn.RNN. */
export const InitStyleSchema = z.enum(['page', 'pytorch']);
export type InitStyle = z.infer<typeof InitStyleSchema>;

export const PositionConfigSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }),
  /** x + PE(t), the Transformer table; needs an even input width */
  z.object({ type: z.literal('sinusoidal') }),
  /** [x; t/T] */
  z.object({ type: z.literal('concat') }),
  /** x + E_pos[t], one learned vector per position < maxLen */
  z.object({ type: z.literal('learned'), maxLen: z.number().int().positive() }),
  /** [x; sin(2πt/P); cos(2πt/P)] for every period P */
  z.object({ type: z.literal('cyclic'), periods: z.array(z.number().positive()).min(1) }),
]);
export type PositionConfig = z.infer<typeof PositionConfigSchema>;

export const InputConfigSchema = z.discriminatedUnion('type', [
  /** token ids → learned embedding of width `embed`; id 0 is padding */
  z.object({ type: z.literal('embedding'), vocab: z.number().int().min(2), embed: z.number().int().positive() }),
  /** real-valued features of width `size` per step */
  z.object({ type: z.literal('features'), size: z.number().int().positive() }),
]);
export type InputConfig = z.infer<typeof InputConfigSchema>;

export const HeadConfigSchema = z.discriminatedUnion('type', [
  /** many-to-one: logits from the last valid step */
  z.object({ type: z.literal('classify'), classes: z.number().int().min(2) }),
  /** many-to-many: a prediction at every valid step */
  z.object({ type: z.literal('regress'), outputs: z.number().int().positive() }),
]);
export type HeadConfig = z.infer<typeof HeadConfigSchema>;

export const ModelKindSchema = z.enum(['shared', 'unshared', 'conv']);
export type ModelKind = z.infer<typeof ModelKindSchema>;

export const ModelConfigSchema = z.object({
  kind: ModelKindSchema,
  cell: CellKindSchema.default('tanh'),
  biases: BiasStyleSchema.default('single'),
  init: InitStyleSchema.default('pytorch'),
  hidden: z.number().int().positive().max(4096),
  input: InputConfigSchema,
  position: PositionConfigSchema.default({ type: 'none' }),
  head: HeadConfigSchema,
  /** unshared only: the number of positions that have weights */
  maxLen: z.number().int().positive().max(100_000).default(100),
  /**
   * unshared only, for steps past maxLen: refuse (the page's error), reuse-last (step maxLen−1's
   * weights), or mean (the average of all per-step weights). Named, never a silent choice.
   */
  beyondMax: z.enum(['refuse', 'reuse-last', 'mean']).default('refuse'),
  /** conv only: kernel width over time */
  kernel: z.number().int().positive().max(1024).default(3),
  /**
   * fast: hand-written backward passes (shared tanh: BPTT with non-transposed matmuls);
   * autodiff: tfjs's own gradients, the reference path. Both match the PyTorch fixtures.
   */
  kernels: z.enum(['fast', 'autodiff']).default('fast'),
  seed: z.number().int().default(0),
});
export type ModelConfig = z.infer<typeof ModelConfigSchema>;
export type ModelConfigInput = z.input<typeof ModelConfigSchema>;

// ── Parameter table (the page's table) ──────────────────────────────────────
export const ParamRowSchema = z.object({
  length: z.number().int().positive(),
  shared: z.number().int(),
  unshared: z.number().int(),
  /** unshared / shared, which is T for the recurrent core */
  ratio: z.number(),
});
export type ParamRow = z.infer<typeof ParamRowSchema>;

export const ParamTableSchema = z.object({
  input: z.number().int().positive(),
  hidden: z.number().int().positive(),
  cell: CellKindSchema,
  rows: z.array(ParamRowSchema),
  /** nn.RNN's convention (two biases) for the same sizes */
  torchTwoBiases: z.number().int(),
  formula: z.object({ shared: z.string(), unshared: z.string() }),
});
export type ParamTable = z.infer<typeof ParamTableSchema>;

// ── Datasets (files → summary) ───────────────────────────────────────────────
export const DataFormatSchema = z.enum(['csv', 'tsv', 'jsonl', 'txt']);
export type DataFormat = z.infer<typeof DataFormatSchema>;

/**
 * What a column is for. text: token sequences; label: the class (or number) to predict;
 * time: dates or timestamps; value: a numeric measurement; sequence: a whole numeric sequence
 * per row (JSONL arrays); id: groups long-format rows into one sequence per id; ignore: unused.
 */
export const ColumnRoleSchema = z.enum(['text', 'label', 'time', 'value', 'sequence', 'id', 'ignore']);
export type ColumnRole = z.infer<typeof ColumnRoleSchema>;

export const ColumnSummarySchema = z.object({
  name: z.string(),
  index: z.number().int(),
  role: ColumnRoleSchema,
  /** what the values look like */
  kind: z.enum(['numeric', 'date', 'text', 'array', 'empty']),
  distinct: z.number().int(),
  missing: z.number().int(),
  examples: z.array(z.string()),
});
export type ColumnSummary = z.infer<typeof ColumnSummarySchema>;

export const TaskKindSchema = z.enum(['text-classification', 'sequence-classification', 'forecast', 'none']);
export type TaskKind = z.infer<typeof TaskKindSchema>;

export const DataWarningSchema = z.object({
  code: z.enum(['duplicates', 'imbalance', 'long-sequences', 'rows-skipped', 'no-task', 'short-series', 'unsorted-time', 'missing-values', 'label-variants', 'several-inputs', 'validation-overlap']),
  message: z.string(),
});
export type DataWarning = z.infer<typeof DataWarningSchema>;

export const LengthStatsSchema = z.object({
  /** what one step is: a token of text, a value of a sequence, a row of a series */
  unit: z.enum(['tokens', 'steps']),
  count: z.number().int(),
  min: z.number().int(),
  median: z.number(),
  max: z.number().int(),
  histogram: z.array(z.object({ from: z.number().int(), to: z.number().int(), count: z.number().int() })),
  /** numbers per step of a sequence, where there are several (a JSONL list of lists) */
  features: z.number().int().min(2).optional(),
});
export type LengthStats = z.infer<typeof LengthStatsSchema>;

export const DatasetSummarySchema = z.object({
  file: z.string(),
  format: DataFormatSchema,
  bytes: z.number().int(),
  hasHeader: z.boolean(),
  /** data rows after the header, before any were skipped */
  rows: z.number().int(),
  columns: z.array(ColumnSummarySchema),
  task: TaskKindSchema,
  labels: z
    .object({
      column: z.string(),
      kind: z.enum(['binary', 'multiclass', 'numeric']),
      classes: z.array(z.object({ value: z.string(), count: z.number().int() })),
    })
    .nullable(),
  lengths: LengthStatsSchema.nullable(),
  /** up to 5 data rows as the file holds them */
  samples: z.array(z.array(z.string())),
  warnings: z.array(DataWarningSchema),
  skipped: z.array(z.object({ line: z.number().int(), reason: z.string() })),
  /** the file's sha256, where it was read from a file */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type DatasetSummary = z.infer<typeof DatasetSummarySchema>;

/** Validation examples whose input also occurs in the training file: `count` of `of`, the first on `firstLine` of the validation file. */
export const ValidationOverlapSchema = z.object({ count: z.number().int().positive(), of: z.number().int().positive(), firstLine: z.number().int().positive() });
export type ValidationOverlap = z.infer<typeof ValidationOverlapSchema>;

/**
 * What a validation file must share with its training file: the kind of task, labels among the
 * training file's, and (sequences) the numbers a step. From a summary by dataShape; checked by
 * data/validation-match.ts, when a validation file is chosen in the app and again when a run starts.
 */
export const DataShapeSchema = z.object({
  file: z.string().max(1000),
  kind: TaskKindSchema,
  classes: z.array(z.string()).max(100_000),
  width: z.number().int().positive().nullable(),
  /** a validation file of the same bytes is the training file itself */
  sha256: z.string().optional(),
});
export type DataShape = z.infer<typeof DataShapeSchema>;

export function dataShape(s: Pick<DatasetSummary, 'file' | 'task' | 'labels' | 'lengths' | 'sha256'>): DataShape {
  return { file: s.file, kind: s.task, classes: s.labels?.classes.map((c) => c.value) ?? [], width: s.task === 'sequence-classification' ? (s.lengths?.features ?? 1) : null, sha256: s.sha256 };
}

/** Overrides a user sets in the Data view (or on the CLI) on top of the detected roles. */
export const RoleOverridesSchema = z.record(z.string(), ColumnRoleSchema);
export type RoleOverrides = z.infer<typeof RoleOverridesSchema>;

// ── Experiments (the page's demos) ──────────────────────────────────────────
export const ChartSpecSchema = z.object({
  id: z.string(),
  title: z.string(),
  type: z.enum(['line', 'bar', 'heatmap']),
  x: z.object({ label: z.string(), log: z.boolean().default(false) }),
  y: z.object({ label: z.string(), log: z.boolean().default(false) }),
  /** line and bar charts */
  series: z.array(z.object({ label: z.string(), points: z.array(z.object({ x: z.union([z.number(), z.string()]), y: z.number().nullable() })) })).default([]),
  /** heatmaps: values[row][column], null where there is nothing to show */
  heat: z.object({ rows: z.array(z.string()), columns: z.array(z.string()), values: z.array(z.array(z.number().nullable())) }).optional(),
  /** an x range to shade (e.g. the lengths seen in training) */
  shade: z.object({ from: z.number(), to: z.number(), label: z.string() }).optional(),
});
export type ChartSpec = z.infer<typeof ChartSpecSchema>;

export const ExperimentResultSchema = z.object({
  name: z.string(),
  title: z.string(),
  /** the page's claim (or, beyond the page, the expectation) this run checks */
  claim: z.string(),
  reproduced: z.boolean(),
  /** why it counts as reproduced or not, with the numbers */
  reason: z.string(),
  setting: z.enum(['quick', 'full']),
  seconds: z.number(),
  backend: z.string(),
  /** every measured value, by name */
  values: z.record(z.string(), z.unknown()),
  table: z.object({ columns: z.array(z.string()), rows: z.array(z.array(z.union([z.string(), z.number(), z.null()]))) }).optional(),
  charts: z.array(ChartSpecSchema),
});
export type ExperimentResult = z.infer<typeof ExperimentResultSchema>;

export const ExperimentInfoSchema = z.object({ name: z.string(), title: z.string(), claim: z.string(), beyondPage: z.boolean() });
export type ExperimentInfo = z.infer<typeof ExperimentInfoSchema>;

// ── Runs ────────────────────────────────────────────────────────────────────
export const TaskNameSchema = z.enum(['parity', 'adding', 'recall', 'keyword', 'position']);

/** The share of a file held out for validation where no validation file is given (the end of each series for a forecast). */
export const VALIDATION_FRACTION = 0.1;

/** A forecast's window of history where none is asked for. */
export const FORECAST_WINDOW = 24;

export const RunDataSchema = z.discriminatedUnion('type', [
  /** a built-in task with known answers; train on lengths minLen…maxLen */
  z.object({
    type: z.literal('task'),
    task: TaskNameSchema,
    count: z.number().int().min(10).max(1_000_000).default(2000),
    minLen: z.number().int().positive().default(2),
    maxLen: z.number().int().positive().default(20),
    /** keyword task: positions where the keyword may appear in training */
    positions: z.array(z.number().int().nonnegative()).optional(),
  }),
  /** a dataset file (CSV, TSV, JSONL, TXT) */
  z.object({
    type: z.literal('file'),
    path: z.string().min(1),
    overrides: z.record(z.string(), ColumnRoleSchema).default({}),
    /** text: vocabulary limits; sequences longer than maxTokens are cut */
    vocabSize: z.number().int().min(3).max(200_000).default(20_000),
    minFreq: z.number().int().positive().default(1),
    maxTokens: z.number().int().positive().max(100_000).optional(),
    /** forecast: window of history and the clocks to add */
    window: z.number().int().min(2).max(10_000).default(FORECAST_WINDOW),
    clocks: z.array(z.enum(['24h', '7d', '365d', '12mo'])).default([]),
    /** file sent by the user for validation, e.g. SST-2 dev beside train */
    validationPath: z.string().optional(),
  }),
]);
export type RunData = z.infer<typeof RunDataSchema>;

/**
 * Training on more than one core (tfjs-wasm is single-threaded, so only threads reach the
 * others). split: each step's batch is divided across the threads — the same step as on one
 * thread, up to float rounding. full: every thread takes a whole batch — a step then covers
 * (threads × batch) examples, a larger effective batch. auto: split when the measured gain
 * is real (big enough steps, a free core), else off.
 */
export const ParallelModeSchema = z.enum(['auto', 'off', 'split', 'full']);
export type ParallelMode = z.infer<typeof ParallelModeSchema>;

/** How a run actually trains: the mode after 'auto' is decided, the threads, and why. */
export const ParallelPlanSchema = z.object({
  mode: z.enum(['off', 'split', 'full']),
  /** threads in all (1 = no helpers) */
  threads: z.number().int().positive(),
  reason: z.string(),
});
export type ParallelPlan = z.infer<typeof ParallelPlanSchema>;

export const TrainConfigSchema = z.object({
  optimizer: z.enum(['adam', 'sgd', 'rmsprop']).default('adam'),
  lr: z.number().positive().max(10).default(0.01),
  momentum: z.number().min(0).max(0.999).default(0),
  /** clip by global norm; null = off */
  clip: z.number().positive().nullable().default(null),
  loss: z.enum(['mean', 'length-normalized']).default('mean'),
  epochs: z.number().int().positive().max(10_000).default(5),
  /** stop after this many steps even if epochs remain */
  maxSteps: z.number().int().positive().optional(),
  batch: z.number().int().positive().max(4096).default(32),
  /** validate every K steps (and at each epoch end) */
  validateEvery: z.number().int().positive().default(50),
  /** stop when validation loss has not improved for this many validations */
  earlyStopping: z.number().int().positive().nullable().default(null),
  /** per-timestep dL/dh_t norms every K steps */
  timestepGradEvery: z.number().int().positive().default(25),
  /** share of the data held out for validation (random split) */
  validationFraction: z.number().min(0).max(0.5).default(VALIDATION_FRACTION),
  /** data-parallel training over threads (see ParallelModeSchema) */
  parallel: ParallelModeSchema.default('auto'),
});
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

export const RunConfigSchema = z.object({
  name: z.string().max(200).default(''),
  data: RunDataSchema,
  /** the model; input and head are filled in from the data when omitted */
  model: ModelConfigSchema.partial({ input: true, head: true }).extend({ kind: ModelKindSchema }),
  train: TrainConfigSchema.default(TrainConfigSchema.parse({})),
  /** lengths to evaluate after training (beyond the trained range included) */
  evalLengths: z.array(z.number().int().positive().max(100_000)).max(64).default([5, 10, 20, 50, 100, 200]),
  seed: z.number().int().default(0),
  backend: BackendNameSchema.optional(),
});
export type RunConfig = z.infer<typeof RunConfigSchema>;
export type RunConfigInput = z.input<typeof RunConfigSchema>;

export const MetricRecordSchema = z.object({
  step: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  /** ms since the run started */
  time: z.number().nonnegative(),
  loss: z.number(),
  /** training-batch accuracy (classification) */
  acc: z.number().nullable(),
  valLoss: z.number().nullable(),
  /** validation accuracy, or MSE for forecasting */
  valMetric: z.number().nullable(),
  gradNorm: z.number(),
  gradNormClipped: z.number(),
  gradNorms: z.record(z.string(), z.number()),
  /** ‖dL/dh_t‖ per step t, on the steps where it was probed */
  timestepGrad: z.array(z.number()).nullable(),
  lr: z.number(),
  stepsPerSec: z.number(),
  examplesPerSec: z.number(),
});
export type MetricRecord = z.infer<typeof MetricRecordSchema>;

/**
 * Time left at the latest rate (steps/s over the last seconds, validation included), as m:ss or
 * 1h05m; '' before there is a rate. The rate, not the time since start: that counts the data
 * load and the worker's start-up, so the first ETA of a long run read 26 minutes instead of 1:28.
 */
export function etaText(step: number, totalSteps: number, stepsPerSec: number): string {
  if (!(stepsPerSec > 0) || !(totalSteps > 0)) return '';
  const s = Math.round(Math.max(0, totalSteps - step) / stepsPerSec);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export const LengthPointSchema = z.object({
  length: z.number().int().positive(),
  /** ok: measured; no-weights: the unshared model has no weights this far */
  status: z.enum(['ok', 'no-weights']),
  loss: z.number().nullable(),
  /** accuracy (classification) or MSE (forecast) */
  metric: z.number().nullable(),
  n: z.number().int().nonnegative(),
  /**
   * The shortest and longest sequence among the point's examples: a file's points are buckets
   * of lengths up to `length` (SST-2's point 20 holds lengths 11–20), a task's are exactly it.
   * Absent in curves saved before they were kept, and where there are no examples.
   */
  shortest: z.number().int().positive().optional(),
  longest: z.number().int().positive().optional(),
});
export type LengthPoint = z.infer<typeof LengthPointSchema>;

/** "11–12" where a point is a bucket of lengths other than its own (a file's), null where it is exactly its length (a task's) or unknown: the CLI and the chart both say it. */
export function bucketText(p: Pick<LengthPoint, 'length' | 'shortest' | 'longest'>): string | null {
  return p.shortest !== undefined && (p.shortest !== p.length || p.longest !== p.length) ? `${p.shortest}–${p.longest}` : null;
}

export const LengthCurveSchema = z.object({
  kind: z.literal('length-curve'),
  step: z.number().int().nonnegative(),
  metricName: z.enum(['accuracy', 'mse']),
  /** longest length seen in training */
  trainedMax: z.number().int().nonnegative(),
  points: z.array(LengthPointSchema),
});
export type LengthCurve = z.infer<typeof LengthCurveSchema>;

export const RunStatusSchema = z.enum(['queued', 'running', 'paused', 'stopped', 'completed', 'failed']);
export type RunStatus = z.infer<typeof RunStatusSchema>;

/** A run that has ended (completed, stopped or failed); any other is still going (queued, running or paused). */
export const runEnded = (status: RunStatus): boolean => status === 'completed' || status === 'stopped' || status === 'failed';

export const SessionFileSchema = z.object({
  format: z.literal('rnn-workbench-session'),
  version: z.literal(1),
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  status: RunStatusSchema,
  /** the last error, in words, when status is failed */
  error: z.string().nullable(),
  config: RunConfigSchema,
  /** the model config as resolved from the data (input width, classes…) */
  model: ModelConfigSchema.nullable(),
  dataset: z
    .object({
      source: z.string(),
      sha256: z.string().nullable(),
      rows: z.number().int(),
      columns: z.array(z.string()),
      vocab: z.array(z.string()).nullable(),
      /** the --val file's fingerprint, where the run had one */
      validationSha256: z.string().optional(),
      /** that file's examples whose input the training file also holds (validation-match.ts), where any did */
      validationOverlap: ValidationOverlapSchema.optional(),
    })
    .nullable(),
  backend: BackendReportSchema.nullable(),
  /** the threads it trained on (absent in sessions from before data-parallel training) */
  parallel: ParallelPlanSchema.nullable().default(null),
  versions: z.record(z.string(), z.string()),
  progress: z.object({ step: z.number().int(), epoch: z.number().int(), totalSteps: z.number().int() }),
  params: z.number().int().nullable(),
});
export type SessionFile = z.infer<typeof SessionFileSchema>;


/** A batch as typed arrays: it crosses to a helper thread without a per-number copy. */
export const PackedBatchSchema = z.object({
  x: z.union([z.instanceof(Float32Array), z.instanceof(Int32Array)]),
  xShape: z.array(z.number().int().nonnegative()),
  lengths: z.instanceof(Int32Array),
  y: z.union([z.instanceof(Float32Array), z.instanceof(Int32Array)]),
  yShape: z.array(z.number().int().nonnegative()),
  time: z.instanceof(Float32Array).optional(),
});
export type PackedBatch = z.infer<typeof PackedBatchSchema>;

/**
 * The service → its file reader thread (runs/summary-reader.ts): one file to read, so a large
 * one neither blocks the process that relays every run's events nor stays in its memory;
 * `overlapWith`: a validation file's training file, whose examples it is checked against.
 */
export const SummaryRequestSchema = z.object({ path: z.string().min(1), overrides: RoleOverridesSchema, validation: z.boolean().default(false), overlapWith: z.string().min(1).optional() });
export type SummaryRequest = z.infer<typeof SummaryRequestSchema>;

/** File reader thread → the service: the summary, or why the file cannot be used (a DataError's parts). */
export const SummaryReplySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('summary'), summary: DatasetSummarySchema }),
  z.object({ type: z.literal('data-error'), code: z.string(), file: z.string(), detail: z.string(), line: z.number().int().optional() }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type SummaryReply = z.infer<typeof SummaryReplySchema>;

/** Training worker → its helper thread (gradients of a shard, or validation scores). */
export const HelperCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('init'), model: ModelConfigSchema, backend: BackendNameSchema }),
  /** the current weights (in the model's parameter order) and this thread's shard */
  z.object({
    type: z.literal('gradients'),
    id: z.number().int(),
    weights: z.array(z.instanceof(Float32Array)),
    batch: PackedBatchSchema,
    loss: z.enum(['mean', 'length-normalized']),
  }),
  /** the validation set (or this thread's share of it), as batches of similar length (evaluate.ts), kept for every 'score' */
  z.object({ type: z.literal('score-set'), batches: z.array(PackedBatchSchema) }),
  /** loss and metric sums of the kept validation set at these weights */
  z.object({ type: z.literal('score'), id: z.number().int(), weights: z.array(z.instanceof(Float32Array)), loss: z.enum(['mean', 'length-normalized']) }),
]);
export type HelperCommand = z.infer<typeof HelperCommandSchema>;

/** Helper thread → training worker. */
export const HelperEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), backend: BackendNameSchema }),
  /** grads in parameter order; null where the shard did not reach a parameter */
  z.object({ type: z.literal('gradients'), id: z.number().int(), loss: z.number(), grads: z.array(z.instanceof(Float32Array).nullable()) }),
  /**
   * the kept set's weighted loss and metric sums and their weights (evaluate.ts ScoreSums), as the
   * training thread would compute them: NaN or ±∞ included (a diverged model)
   */
  z.object({
    type: z.literal('scored'),
    id: z.number().int(),
    loss: z.custom<number>((v) => typeof v === 'number'),
    lossWeight: z.number(),
    metric: z.custom<number>((v) => typeof v === 'number'),
    metricWeight: z.number(),
    n: z.number().int(),
  }),
  z.object({ type: z.literal('error'), message: z.string() }),
]);
export type HelperEvent = z.infer<typeof HelperEventSchema>;

/** Host → worker. */
export const WorkerCommandSchema = z.discriminatedUnion('type', [
  /** cores: how many this run may use for helper threads (the scheduler shares them between runs) */
  z.object({ type: z.literal('start'), sessionDir: z.string(), resume: z.boolean().default(false), cores: z.number().int().positive().optional() }),
  z.object({ type: z.literal('pause') }),
  z.object({ type: z.literal('resume') }),
  z.object({ type: z.literal('stop') }),
  /** run one of the page's experiments and report its result */
  z.object({ type: z.literal('experiment'), name: z.string(), full: z.boolean(), dataDir: z.string().optional() }),
  /** a trained session's length curve at these lengths (answered with an 'eval' event) */
  z.object({ type: z.literal('evaluate'), sessionDir: z.string(), lengths: z.array(z.number().int().positive()).min(1) }),
]);
export type WorkerCommand = z.infer<typeof WorkerCommandSchema>;

/** Worker → host. */
export const WorkerEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), backend: BackendReportSchema }),
  z.object({ type: z.literal('parallel'), plan: ParallelPlanSchema }),
  z.object({ type: z.literal('metrics'), records: z.array(MetricRecordSchema) }),
  z.object({ type: z.literal('status'), status: RunStatusSchema, step: z.number().int(), totalSteps: z.number().int(), message: z.string().optional() }),
  z.object({ type: z.literal('eval'), curve: LengthCurveSchema }),
  z.object({ type: z.literal('error'), message: z.string() }),
  z.object({ type: z.literal('experiment'), result: ExperimentResultSchema }),
]);
export type WorkerEvent = z.infer<typeof WorkerEventSchema>;

// ── Commands and events between renderer and main ────────────────────────────
const id = z.string().regex(/^[\w.-]{1,120}$/, 'a session id is a folder name');
/** Uploads travel as base64 over the socket; past this the app asks for the file path instead. */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

export const SessionSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  status: RunStatusSchema,
  error: z.string().nullable(),
  createdAt: z.string(),
  kind: ModelKindSchema,
  cell: CellKindSchema,
  data: z.string(),
  step: z.number().int(),
  totalSteps: z.number().int(),
  params: z.number().int().nullable(),
  backend: z.string().nullable(),
});
export type SessionSummary = z.infer<typeof SessionSummarySchema>;

export const ExampleSchema = z.object({ name: z.string(), path: z.string(), description: z.string() });
export type Example = z.infer<typeof ExampleSchema>;

export const CommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('backend.get') }),
  z.object({
    type: z.literal('params.table'),
    input: z.number().int().positive().max(100_000),
    hidden: z.number().int().positive().max(100_000),
    cell: CellKindSchema.default('tanh'),
    lengths: z.array(z.number().int().positive().max(10_000_000)).min(1).max(32),
  }),
  /**
   * a file on this machine (Electron: the dialog or a drop); with validationOf, a validation file
   * for a training file of that shape (refused unless it fits; the training file's roles as
   * overrides), and with trainingPath its examples the training file also holds are a warning
   */
  z.object({ type: z.literal('data.inspect'), path: z.string().min(1), overrides: RoleOverridesSchema.default({}), validationOf: DataShapeSchema.optional(), trainingPath: z.string().min(1).optional() }),
  /** a file's bytes from a browser drop or picker (serve mode); stored, then inspected as data.inspect */
  z.object({
    type: z.literal('data.upload'),
    name: z.string().min(1).max(255),
    base64: z.string().max(Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 4),
    overrides: RoleOverridesSchema.default({}),
    validationOf: DataShapeSchema.optional(),
    trainingPath: z.string().min(1).optional(),
  }),
  z.object({ type: z.literal('examples.list') }),
  z.object({ type: z.literal('runs.start'), config: RunConfigSchema }),
  z.object({ type: z.literal('runs.control'), id, action: z.enum(['pause', 'resume', 'stop']) }),
  /** a trained run's length-generalization curve at these lengths, from its last checkpoint (appended to its curves) */
  z.object({ type: z.literal('runs.evaluate'), id, lengths: z.array(z.number().int().positive().max(10_000_000)).min(1).max(32) }),
  /** a finished run trains further, to these limits, from its last checkpoint (sessions/extend.ts) */
  z.object({ type: z.literal('runs.extend'), id, epochs: z.number().int().positive().max(100_000), maxSteps: z.number().int().positive().nullable() }),
  z.object({ type: z.literal('sessions.list') }),
  z.object({ type: z.literal('sessions.load'), id }),
  z.object({ type: z.literal('sessions.rename'), id, name: z.string().trim().min(1, 'a name needs at least one character besides spaces').max(200) }),
  z.object({ type: z.literal('sessions.delete'), id }),
  z.object({ type: z.literal('sessions.export'), id }),
  /** every metric of the given runs as one CSV */
  z.object({ type: z.literal('sessions.csv'), ids: z.array(id).min(1).max(100) }),
  z.object({ type: z.literal('sessions.import'), name: z.string().min(1).max(255), base64: z.string().max(Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 4) }),
  z.object({ type: z.literal('experiments.list') }),
  z.object({ type: z.literal('experiments.run'), name: z.string().min(1).max(60), full: z.boolean().default(false) }),
]);
export type Command = z.infer<typeof CommandSchema>;
export type CommandInput = z.input<typeof CommandSchema>;
export type CommandType = Command['type'];

/** What each command answers with. */
export interface CommandResults {
  'backend.get': BackendReport;
  'params.table': ParamTable;
  'data.inspect': { path: string; summary: DatasetSummary };
  'data.upload': { path: string; summary: DatasetSummary };
  'examples.list': Example[];
  'runs.start': { id: string };
  'runs.control': { ok: true };
  'runs.extend': { ok: true };
  'runs.evaluate': LengthCurve;
  'sessions.list': SessionSummary[];
  'sessions.load': { session: SessionFile; metrics: MetricRecord[]; evals: LengthCurve[] };
  'sessions.rename': { ok: true };
  'sessions.delete': { ok: true };
  'sessions.export': { fileName: string; base64: string };
  'sessions.csv': { fileName: string; csv: string };
  'sessions.import': { id: string };
  'experiments.list': ExperimentInfo[];
  'experiments.run': ExperimentResult;
}

export const EventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('run.ready'), id: z.string(), backend: BackendReportSchema }),
  z.object({ type: z.literal('run.parallel'), id: z.string(), plan: ParallelPlanSchema }),
  z.object({ type: z.literal('run.metrics'), id: z.string(), records: z.array(MetricRecordSchema) }),
  z.object({ type: z.literal('run.status'), id: z.string(), status: RunStatusSchema, step: z.number().int(), totalSteps: z.number().int(), message: z.string().optional() }),
  z.object({ type: z.literal('run.eval'), id: z.string(), curve: LengthCurveSchema }),
  z.object({ type: z.literal('sessions.changed') }),
  /** a menu item the renderer carries out (open a file picker, export the open session…) */
  z.object({ type: z.literal('menu'), action: z.enum(['open-dataset', 'import-session', 'export-session']) }),
]);
export type WorkbenchEvent = z.infer<typeof EventSchema>;

/** A command's answer over the socket: the result, or one sentence saying what went wrong. */
export const ReplySchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), id: z.number().int(), result: z.unknown() }),
  z.object({ ok: z.literal(false), id: z.number().int(), error: z.string() }),
]);
export const RequestSchema = z.object({ id: z.number().int(), command: z.unknown() });
/** Socket frames from server to browser: replies, or events. */
export const ServerFrameSchema = z.union([ReplySchema, z.object({ event: EventSchema })]);

/** The one global the preload exposes, and the serve client implements. */
export interface WorkbenchApi {
  invoke<C extends CommandInput>(command: C): Promise<CommandResults[C['type']]>;
  onEvent(listener: (event: WorkbenchEvent) => void): () => void;
  /**
   * Electron only: where a dropped or picked file lies on disk ('' for one that is not), so the
   * app reads it in place, of any size, instead of sending its bytes (a browser cannot know).
   */
  pathForFile?(file: File): string;
}

/** The one IPC channel every command travels on (main validates it against CommandSchema). */
export const IPC_CHANNEL = 'workbench:invoke';
export const IPC_EVENT_CHANNEL = 'workbench:event';
