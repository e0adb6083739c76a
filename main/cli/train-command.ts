/**
 * `rnn-workbench train`: builds a RunConfig from flags, trains it in a worker process,
 * streams metrics (a progress bar with ETA on a terminal, JSON lines with --json) and
 * leaves a session folder.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { BackendNameSchema, FORECAST_WINDOW, CellKindSchema, ModelKindSchema, ParallelModeSchema, RunConfigSchema, bucketText, etaText, simdText, TaskNameSchema, type LengthCurve, type RunConfigInput, type WorkerEvent } from '../contract.js';
import { nodeSpawner, RunHandle } from '../runs/host.js';
import { createRunSession } from '../sessions/new-session.js';
import { extendSession } from '../sessions/extend.js';
import { readSessionFile } from '../sessions/store.js';
import { CliError, positiveInt, positiveIntList, type CliIo } from './io.js';

export const trainHelp =
  'train --task parity|adding|recall|keyword|position | --data FILE [--model shared|unshared|conv] [--cell tanh|gru|lstm] [--hidden D] [--embed E] ' +
  '[--position none|sinusoidal|concat|learned|cyclic] [--periods 24,7,365] [--epochs N] [--steps N] [--batch B] [--lr X] [--optimizer adam|sgd|rmsprop] ' +
  '[--clip X] [--loss mean|length-normalized] [--parallel auto|off|split|full] [--max-len T] [--kernel K] [--seq-len 2-20] [--count N] [--window W] [--clocks 24h,7d,365d,12mo] [--val FILE] ' +
  '[--validate-every K] [--early-stopping N] [--eval-lengths 5,10,20] [--seed S] [--backend tensorflow-gpu|tensorflow|webgpu|wasm|cpu] [--session DIR] [--resume [--epochs N] [--steps N]] [--json]';

const num = (v: unknown, flag: string): number => {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n <= 0) throw new CliError(`${flag} must be a positive number, got "${String(v)}"`);
  return n;
};

function oneOf<T extends string>(schema: { options: readonly T[]; safeParse(v: unknown): { success: boolean; data?: T } }, v: unknown, flag: string): T | undefined {
  if (v === undefined) return undefined;
  const r = schema.safeParse(v);
  if (!r.success) throw new CliError(`${flag} must be one of ${schema.options.join(', ')}, got "${String(v)}"`);
  return r.data;
}

function positionFlag(values: Record<string, unknown>, maxLen: number): RunConfigInput['model']['position'] {
  const p = values.position as string | undefined;
  switch (p) {
    case undefined:
    case 'none':
      return { type: 'none' };
    case 'sinusoidal':
    case 'concat':
      return { type: p };
    case 'learned':
      return { type: 'learned', maxLen };
    case 'cyclic':
      return { type: 'cyclic', periods: values.periods ? positiveIntList(values.periods, '--periods') : [24, 7, 365] };
    default:
      throw new CliError(`--position must be none, sinusoidal, concat, learned or cyclic, got "${p}"`);
  }
}

/** The flag that sets each checked setting, so that a range error names what the user typed. */
const FLAG_OF: Record<string, string> = {
  'data.count': '--count',
  'data.minLen': '--seq-len',
  'data.maxLen': '--seq-len',
  'data.window': '--window',
  'data.clocks': '--clocks',
  'model.hidden': '--hidden',
  'model.maxLen': '--max-len',
  'model.kernel': '--kernel',
  'model.input.embed': '--embed',
  'train.epochs': '--epochs',
  'train.maxSteps': '--steps',
  'train.batch': '--batch',
  'train.lr': '--lr',
  'train.clip': '--clip',
  'train.optimizer': '--optimizer',
  'train.loss': '--loss',
  'train.validateEvery': '--validate-every',
  'train.earlyStopping': '--early-stopping',
  evalLengths: '--eval-lengths',
};

/** Flags that only one kind of run reads, and that kind: given to another they would be silently ignored. */
const FLAGS_FOR: [flag: string, applies: (values: Record<string, unknown>) => boolean, to: string][] = [
  ['seq-len', (v) => Boolean(v.task), '--task (the lengths of generated sequences)'],
  ['count', (v) => Boolean(v.task), '--task (how many sequences to generate)'],
  ['window', (v) => Boolean(v.data), '--data with a numeric series to forecast'],
  ['clocks', (v) => Boolean(v.data), '--data with a numeric series to forecast'],
  ['val', (v) => Boolean(v.data), '--data (a validation file beside the training file)'],
  ['kernel', (v) => v.model === 'conv', '--model conv'],
  ['periods', (v) => v.position === 'cyclic', '--position cyclic'],
];

export function configFromFlags(values: Record<string, unknown>): RunConfigInput {
  if (!values.task === !values.data) throw new CliError('train needs exactly one of --task NAME or --data FILE');
  for (const [flag, applies, to] of FLAGS_FOR) {
    if (values[flag] !== undefined && !applies(values)) throw new CliError(`--${flag} applies only to ${to}; this run would ignore it`);
  }
  const seed = values.seed === undefined ? 0 : Number(values.seed);
  if (!Number.isInteger(seed)) throw new CliError(`--seed must be a whole number, got "${String(values.seed)}"`);
  let data: RunConfigInput['data'];
  if (values.task) {
    const range = String(values['seq-len'] ?? '2-20').split('-').map((s) => positiveInt(s, '--seq-len'));
    if (range.length !== 2 || range[0] > range[1]) throw new CliError(`--seq-len must look like 2-20 (min-max), got "${String(values['seq-len'])}"`);
    data = { type: 'task', task: oneOf(TaskNameSchema, values.task, '--task')!, minLen: range[0], maxLen: range[1], count: values.count ? positiveInt(values.count, '--count') : 2000 };
  } else {
    const path = resolve(String(values.data));
    if (!existsSync(path)) throw new CliError(`--data ${String(values.data)}: no such file`);
    data = {
      type: 'file',
      path,
      window: values.window ? positiveInt(values.window, '--window') : FORECAST_WINDOW,
      validationPath: values.val ? resolve(String(values.val)) : undefined,
      clocks: values.clocks ? (String(values.clocks).split(',') as ('24h' | '7d' | '365d' | '12mo')[]) : [],
    };
  }
  const maxLen = values['max-len'] ? positiveInt(values['max-len'], '--max-len') : 100;
  const config: RunConfigInput = {
    data,
    model: {
      kind: oneOf(ModelKindSchema, values.model, '--model') ?? 'shared',
      cell: oneOf(CellKindSchema, values.cell, '--cell') ?? 'tanh',
      hidden: values.hidden ? positiveInt(values.hidden, '--hidden') : 64,
      maxLen,
      kernel: values.kernel ? positiveInt(values.kernel, '--kernel') : 3,
      position: positionFlag(values, maxLen),
      ...(values.embed ? { input: { type: 'embedding', vocab: 2, embed: positiveInt(values.embed, '--embed') } } : {}),
    },
    train: {
      epochs: values.epochs ? positiveInt(values.epochs, '--epochs') : 5,
      maxSteps: values.steps ? positiveInt(values.steps, '--steps') : undefined,
      batch: values.batch ? positiveInt(values.batch, '--batch') : 32,
      lr: values.lr ? num(values.lr, '--lr') : 0.01,
      optimizer: (values.optimizer as 'adam' | 'sgd' | 'rmsprop' | undefined) ?? 'adam',
      clip: values.clip ? num(values.clip, '--clip') : null,
      loss: (values.loss as 'mean' | 'length-normalized' | undefined) ?? 'mean',
      parallel: oneOf(ParallelModeSchema, values.parallel, '--parallel') ?? 'auto',
      validateEvery: values['validate-every'] ? positiveInt(values['validate-every'], '--validate-every') : 50,
      // stop once validation loss has not improved for N validations in a row
      earlyStopping: values['early-stopping'] ? positiveInt(values['early-stopping'], '--early-stopping') : null,
    },
    evalLengths: values['eval-lengths'] ? positiveIntList(values['eval-lengths'], '--eval-lengths') : undefined,
    // a named backend is used or the run fails; without one the fastest is timed (backend-choice.ts)
    backend: oneOf(BackendNameSchema, values.backend, '--backend'),
    seed,
  };
  const parsed = RunConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.join('.');
    const given = path.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], config);
    // (a list's item, data.clocks.1, is set by the list's flag)
    const flag = FLAG_OF[path.replace(/\.\d+$/, '')];
    throw new CliError(flag ? `${flag} ${String(given)}: ${issue.message.replace(/^\w/, (c) => c.toLowerCase())}` : `invalid setting ${path}: ${issue.message}`);
  }
  return config;
}

export function formatCurve(curve: LengthCurve): string {
  const name = curve.metricName === 'accuracy' ? 'accuracy' : 'MSE';
  const rows = curve.points.map((p) => {
    // a bucket of a file's lengths says which it holds; longer than trained by its longest example
    const bucket = bucketText(p);
    const range = bucket ? ` (lengths ${bucket})` : '';
    const mark = (p.longest ?? p.length) > curve.trainedMax ? ' (longer than trained)' : '';
    if (p.status === 'no-weights') return `  ${String(p.length).padStart(6)}   no weights for these positions (unshared model)${range}`;
    if (p.n === 0) return `  ${String(p.length).padStart(6)}   no examples of this length`;
    return `  ${String(p.length).padStart(6)}   ${name} ${p.metric!.toFixed(3)}   loss ${p.loss!.toFixed(4)}   n=${p.n}${range}${mark}`;
  });
  return [`length generalization (trained on lengths ≤ ${curve.trainedMax}):`, ...rows].join('\n');
}

/** "tensorflow-gpu 7.9 ms/step, wasm 3.1 ms/step" */
export function measuredText(measured: { backend: string; msPerStep: number; kernels?: string; steps?: number }[]): string {
  return measured.map((m) => `${m.backend}${m.kernels ? ` (${m.kernels})` : ''} ${m.msPerStep.toFixed(1)} ms/step${m.steps === 1 ? ' (its first step only)' : ''}`).join(', ');
}

export async function trainCommand(values: Record<string, unknown>, io: CliIo, tty: boolean): Promise<number> {
  const dir = resolve(String(values.session ?? `sessions/${new Date().toISOString().replace(/[:.]/g, '-')}`));
  if (values.resume) {
    // a resumed run goes on with the settings it was started with, to the same or new limits
    const setting = Object.keys(values).find((k) => !['session', 'resume', 'json', 'epochs', 'steps'].includes(k));
    if (setting) throw new CliError(`--resume goes on with the session's own settings (--epochs and --steps may raise its limits); --${setting} would be ignored (start a new session to change it)`);
    const s = readSessionFile(dir);
    if (values.epochs || values.steps) {
      const t = s.config.train;
      extendSession(dir, { epochs: values.epochs ? positiveInt(values.epochs, '--epochs') : t.epochs, maxSteps: values.steps ? positiveInt(values.steps, '--steps') : (t.maxSteps ?? null) });
    } else if (s.status === 'completed') {
      throw new CliError(`${dir} has completed; to train it further give --epochs or --steps past its ${s.config.train.epochs} epochs${s.config.train.maxSteps ? ` and ${s.config.train.maxSteps} steps` : ''}`);
    }
  } else {
    createRunSession(dir, configFromFlags(values));
  }
  const run = new RunHandle(dir, nodeSpawner(), Boolean(values.resume));
  let interrupted = 0;
  const onSigint = () => {
    if (++interrupted === 1) {
      io.err('stopping after the current step (Ctrl-C again to kill)…');
      run.stop();
    } else run.kill();
  };
  process.on('SIGINT', onSigint);
  let lastLine = 0;
  let shownBackend: string | null = null;
  run.on('event', (e: WorkerEvent) => {
    if (values.json) {
      if (e.type === 'metrics') for (const r of e.records) io.out(JSON.stringify({ type: 'metrics', ...r }));
      else io.out(JSON.stringify(e));
      return;
    }
    // a second 'ready' (the run's own choice) is printed where it changed what runs or timed it
    if (e.type === 'ready' && (e.backend.backend !== shownBackend || e.backend.measured)) {
      shownBackend = e.backend.backend;
      io.err(`backend: ${e.backend.backend} on ${e.backend.device}${e.backend.adapter ? ` (${e.backend.adapter})` : ''}${e.backend.simd ? `, ${simdText(e.backend)}` : ''}${e.backend.measured ? ` (timed on this model: ${measuredText(e.backend.measured)})` : ''}`);
    }
    if (e.type === 'parallel') io.err(`threads: ${e.plan.reason}`);
    if (e.type === 'eval') io.out(formatCurve(e.curve));
    if (e.type === 'status' && e.message) io.err(e.message);
    if (e.type === 'metrics') {
      const r = e.records.at(-1)!;
      const total = run.totalSteps || r.step;
      const val = [...e.records].reverse().find((x) => x.valLoss !== null);
      const text = `step ${r.step}/${total}  epoch ${r.epoch + 1}  loss ${r.loss.toFixed(4)}${val ? `  val ${val.valLoss!.toFixed(4)} ${val.valMetric!.toFixed(3)}` : ''}  ${r.stepsPerSec.toFixed(1)} steps/s  ETA ${etaText(r.step, total, r.stepsPerSec) || '--:--'}`;
      if (tty) {
        const width = 24;
        const filled = Math.round((width * r.step) / Math.max(1, total));
        process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}   `);
      } else if (Date.now() - lastLine > 2000 || r.step === total) {
        io.err(text);
        lastLine = Date.now();
      }
    }
  });
  const status = await run.done;
  process.off('SIGINT', onSigint);
  if (tty && !values.json) process.stderr.write('\n');
  if (values.json) io.out(JSON.stringify({ type: 'done', status, session: dir, error: run.lastError }));
  else io.err(status === 'failed' ? `training failed: ${run.lastError}` : `${status}; session saved in ${dir}`);
  return status === 'failed' ? 1 : 0;
}
