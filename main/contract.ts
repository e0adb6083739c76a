/**
 * THE typed API of RNN Workbench. Main, preload, the serve bridge, workers and the renderer
 * import these schemas and types; every message that crosses a process boundary is parsed
 * with its schema on the receiving side. Plain data only: configs are serialised as they are.
 */
import { z } from 'zod';

// ── Backends ────────────────────────────────────────────────────────────────
export const BackendNameSchema = z.enum(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
export type BackendName = z.infer<typeof BackendNameSchema>;

export const BackendReportSchema = z.object({
  /** the backend tfjs really runs (checked with tf.getBackend()) */
  backend: BackendNameSchema,
  device: z.enum(['gpu', 'cpu']),
  /** faster backends that were tried first, with the reason each was not used */
  tried: z.array(z.object({ name: BackendNameSchema, error: z.string() })),
});
export type BackendReport = z.infer<typeof BackendReportSchema>;

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
  /** conv only: kernel width over time */
  kernel: z.number().int().positive().max(1024).default(3),
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
  code: z.enum(['duplicates', 'imbalance', 'long-sequences', 'rows-skipped', 'no-task', 'short-series']),
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
});
export type DatasetSummary = z.infer<typeof DatasetSummarySchema>;

/** Overrides a user sets in the Data view (or on the CLI) on top of the detected roles. */
export const RoleOverridesSchema = z.record(z.string(), ColumnRoleSchema);
export type RoleOverrides = z.infer<typeof RoleOverridesSchema>;

// ── Commands and events between renderer and main (extended by later issues) ─
export const CommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('backend.get') }),
  z.object({
    type: z.literal('params.table'),
    input: z.number().int().positive().max(100_000),
    hidden: z.number().int().positive().max(100_000),
    cell: CellKindSchema.default('tanh'),
    lengths: z.array(z.number().int().positive().max(10_000_000)).min(1).max(32),
  }),
]);
export type Command = z.infer<typeof CommandSchema>;
export type CommandType = Command['type'];

/** What each command answers with. */
export interface CommandResults {
  'backend.get': BackendReport;
  'params.table': ParamTable;
}

export const EventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('backend.ready'), report: BackendReportSchema }),
]);
export type WorkbenchEvent = z.infer<typeof EventSchema>;

/** The one global the preload exposes, and the serve client implements. */
export interface WorkbenchApi {
  invoke<C extends Command>(command: C): Promise<CommandResults[C['type']]>;
  onEvent(listener: (event: WorkbenchEvent) => void): () => void;
}

/** The one IPC channel every command travels on (main validates it against CommandSchema). */
export const IPC_CHANNEL = 'workbench:invoke';
export const IPC_EVENT_CHANNEL = 'workbench:event';
