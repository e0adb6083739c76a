/** Starting and steering runs from the current Data/Model/Train choices. */
import type { RunConfigInput } from '../../main/contract';
import { connect } from './api';
import { openSession, refreshSessions } from './composables/useWorkbench';
import { runView, state } from './state';

/** A field whose empty value means off (its placeholder says so): an emptied number input holds ''. */
const orOff = (v: number | string | null): number | null => (typeof v === 'number' && v > 0 ? v : null);

export function runConfig(): RunConfigInput {
  const m = state.model;
  const kind = m.architecture === 'conv' ? 'conv' : m.shared ? 'shared' : 'unshared';
  const position = m.position === 'learned' ? { type: 'learned' as const, maxLen: m.maxLen } : { type: m.position };
  const data: RunConfigInput['data'] = state.task
    ? { type: 'task', task: state.task, count: 2000, minLen: 2, maxLen: 20 }
    : {
        type: 'file',
        path: state.data!.path,
        overrides: Object.fromEntries(state.data!.summary.columns.map((c) => [c.name, c.role])),
        ...(state.data!.summary.task === 'forecast' ? { window: state.train.window, clocks: [...state.train.clocks] } : {}),
        ...(state.validation ? { validationPath: state.validation.path } : {}),
      };
  return {
    name: `${kind}${kind === 'conv' ? '' : ` ${m.cell}`} on ${state.task ? `task ${state.task}` : state.data!.summary.file}`,
    data,
    model: { kind, cell: m.cell, hidden: m.hidden, maxLen: m.maxLen, kernel: m.kernel, position, input: { type: 'embedding', vocab: 2, embed: m.embed } },
    train: {
      epochs: state.train.epochs,
      batch: state.train.batch,
      lr: state.train.lr,
      optimizer: state.train.optimizer,
      clip: orOff(state.train.clip),
      loss: state.train.loss,
      maxSteps: orOff(state.train.maxSteps) ?? undefined,
      parallel: state.train.parallel,
      validateEvery: state.train.validateEvery,
      earlyStopping: orOff(state.train.earlyStopping),
      timestepGradEvery: 10,
    },
    evalLengths: state.task ? [5, 10, 20, 40, 80, 160] : [5, 10, 20, 30, 40, 60],
    seed: state.train.seed,
  };
}

export async function startRun(): Promise<void> {
  const api = connect();
  if (!api || (!state.task && !state.data)) return;
  try {
    const { id } = await api.invoke({ type: 'runs.start', config: runConfig() });
    runView(id).startedAt = Date.now();
    state.openRun = id;
    await refreshSessions();
  } catch (e) {
    state.toast = (e as Error).message;
  }
}

export async function control(action: 'pause' | 'resume' | 'stop'): Promise<void> {
  const api = connect();
  if (!api || !state.openRun) return;
  try {
    await api.invoke({ type: 'runs.control', id: state.openRun, action });
  } catch (e) {
    state.toast = (e as Error).message;
  }
}

/** The open run, ended, trains on to new limits from its last checkpoint (maxSteps '' or 0: no limit but the epochs). */
export async function trainFurther(epochs: number, maxSteps: number | string): Promise<void> {
  const api = connect();
  const id = state.openRun;
  if (!api || !id) return;
  try {
    await api.invoke({ type: 'runs.extend', id, epochs, maxSteps: orOff(maxSteps) });
    await openSession(id);
  } catch (e) {
    state.toast = (e as Error).message;
  }
}

/** "10, 50 200" → [10, 50, 200], or why not (the service takes up to 32 lengths). */
export function parseLengths(text: string): number[] | string {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const lengths = parts.map(Number);
  if (!parts.length || lengths.some((n) => !Number.isInteger(n) || n < 1)) return 'lengths are whole numbers above 0, e.g. 10, 50, 200';
  if (lengths.length > 32) return `at most 32 lengths at once (${lengths.length} given)`;
  return [...new Set(lengths)].sort((a, b) => a - b);
}

/** The open run's length curve at `lengths`, from its last checkpoint; the charts draw it as it arrives (run.eval). */
export async function evaluateRun(lengths: number[]): Promise<void> {
  const api = connect();
  if (!api || !state.openRun) return;
  await api.invoke({ type: 'runs.evaluate', id: state.openRun, lengths });
}

export async function open(id: string): Promise<void> {
  state.openRun = id;
  await openSession(id);
}
