/** App state: plain reactive data; big series live in markRaw arrays and a version number tells charts to redraw. */
import { markRaw, reactive } from 'vue';
import { FORECAST_WINDOW } from '../../main/contract';
import type {
  BackendReport,
  DatasetSummary,
  ExperimentInfo,
  ExperimentResult,
  LengthCurve,
  MetricRecord,
  ParallelMode,
  ParallelPlan,
  RunStatus,
  SessionFile,
  SessionSummary,
} from '../../main/contract';

/** A data file as the service read it: where it lies (an upload's stored copy in serve mode) and its summary. */
export interface LoadedFile {
  path: string;
  summary: DatasetSummary;
}

export type View = 'data' | 'model' | 'train' | 'charts' | 'compare' | 'experiments' | 'sessions';
export type TaskName = 'parity' | 'adding' | 'recall' | 'keyword' | 'position';

export interface RunView {
  id: string;
  session: SessionFile | null;
  /** append-only; never reactive element by element */
  metrics: MetricRecord[];
  evals: LengthCurve[];
  status: RunStatus;
  step: number;
  totalSteps: number;
  message: string;
  backend: BackendReport | null;
  /** the threads the run trains on, once its worker has decided */
  parallel: ParallelPlan | null;
  startedAt: number;
  /** bumped (at most a few times a second) when metrics or evals change */
  version: number;
}

export const state = reactive({
  view: 'data' as View,
  backend: null as BackendReport | null,
  connectionError: '',
  data: null as LoadedFile | null,
  dataError: '',
  dataBusy: false,
  /** a classification file's validation file, checked against it (else a random part of it is held out) */
  validation: null as LoadedFile | null,
  validationError: '',
  validationBusy: false,
  task: null as TaskName | null,
  model: {
    shared: true,
    architecture: 'recurrent' as 'recurrent' | 'conv',
    cell: 'gru' as 'tanh' | 'gru' | 'lstm',
    hidden: 32,
    embed: 32,
    position: 'none' as 'none' | 'sinusoidal' | 'concat' | 'learned',
    maxLen: 60,
    kernel: 3,
  },
  train: {
    epochs: 3,
    batch: 32,
    lr: 0.005,
    optimizer: 'adam' as 'adam' | 'sgd' | 'rmsprop',
    clip: 1 as number | null,
    loss: 'mean' as 'mean' | 'length-normalized',
    maxSteps: 300 as number | null,
    seed: 0,
    parallel: 'auto' as ParallelMode,
    validateEvery: 25,
    earlyStopping: null as number | null,
    /** a forecast's window of history, and the clocks (sin/cos of the time of day, week, year, month of year) added to each step */
    window: FORECAST_WINDOW,
    clocks: [] as ('24h' | '7d' | '365d' | '12mo')[],
  },
  openRun: null as string | null,
  runs: {} as Record<string, RunView>,
  sessions: [] as SessionSummary[],
  compare: [] as string[],
  experiments: {
    list: [] as ExperimentInfo[],
    results: {} as Record<string, ExperimentResult>,
    /** why a demo could not run (its process failed), by name */
    errors: {} as Record<string, string>,
    running: '' as string,
    /** the page's exact sizes (slower) rather than the quick ones */
    full: false,
    /** Run all is going through the list; cleared to stop after the demo running */
    runningAll: false,
  },
  toast: '',
});

export function runView(id: string): RunView {
  if (!state.runs[id]) {
    state.runs[id] = { id, session: null, metrics: markRaw([]), evals: markRaw([]), status: 'queued', step: 0, totalSteps: 0, message: '', backend: null, parallel: null, startedAt: Date.now(), version: 0 };
  }
  return state.runs[id];
}

/** Stable colour per run id (the same run has the same colour on every chart). */
export function colourOf(id: string): string {
  let h = 0;
  for (const c of id) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `hsl(${h % 360} 65% 45%)`;
}

export const PARAM_COLOURS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f'];
