/**
 * `rnn-workbench` (also `npm run cli -- …`): dispatch on the first word, parse the rest with
 * node's own parseArgs. Errors: one sentence on stderr and a non-zero exit, never a stack trace.
 */
import { parseArgs } from 'node:util';
import { describeBackend, initBackend, webgpuStatus, webgpuText } from '../engine/backend.js';
import { gpuDevicePresent, NO_GPU_DEVICE } from '../runs/vulkan-env.js';
import { BackendNameSchema } from '../contract.js';
import { CliError, type CliIo } from './io.js';
import { evalCommand, evalHelp } from './eval-command.js';
import { experimentCommand, experimentHelp } from './experiment-command.js';
import { serveCommand, serveHelp } from './serve-command.js';
import { benchCommand, benchHelp } from './bench-command.js';
import { inspectCommand, inspectHelp } from './inspect-command.js';
import { trainCommand, trainHelp } from './train-command.js';
import { exportCommand, exportHelp, importCommand, importHelp } from './session-commands.js';
import { ArchiveError } from '../sessions/archive.js';
import { SessionError } from '../sessions/store.js';
import { paramsCommand, paramsHelp } from './params-command.js';
import { DataError } from '../data/index.js';

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  input: { type: 'string' },
  hidden: { type: 'string' },
  lengths: { type: 'string' },
  cell: { type: 'string' },
  backend: { type: 'string' },
  role: { type: 'string', multiple: true },
  task: { type: 'string' },
  data: { type: 'string' },
  val: { type: 'string' },
  model: { type: 'string' },
  embed: { type: 'string' },
  position: { type: 'string' },
  periods: { type: 'string' },
  epochs: { type: 'string' },
  steps: { type: 'string' },
  batch: { type: 'string' },
  lr: { type: 'string' },
  optimizer: { type: 'string' },
  clip: { type: 'string' },
  loss: { type: 'string' },
  parallel: { type: 'string' },
  'max-len': { type: 'string' },
  kernel: { type: 'string' },
  'seq-len': { type: 'string' },
  count: { type: 'string' },
  window: { type: 'string' },
  clocks: { type: 'string' },
  'eval-lengths': { type: 'string' },
  'validate-every': { type: 'string' },
  'early-stopping': { type: 'string' },
  seed: { type: 'string' },
  session: { type: 'string' },
  resume: { type: 'boolean' },
  out: { type: 'string' },
  csv: { type: 'string' },
  into: { type: 'string' },
  full: { type: 'boolean' },
  'data-dir': { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  sessions: { type: 'string' },
  'against-pytorch': { type: 'boolean' },
  backends: { type: 'string' },
  seconds: { type: 'string' },
  'full-cpu': { type: 'boolean' },
  threads: { type: 'string' },
  rounds: { type: 'string' },
  configs: { type: 'string' },
  python: { type: 'string' },
} as const;

const backendHelp = 'backend [--backend tensorflow-gpu|tensorflow|webgpu|wasm|cpu] [--json]';

/** Each command's flags, read from its help line (so the two cannot disagree): a flag another command takes would be silently ignored. */
const FLAGS = new Map(
  Object.entries({ inspect: inspectHelp, params: paramsHelp, train: trainHelp, eval: evalHelp, experiment: experimentHelp, export: exportHelp, import: importHelp, serve: serveHelp, bench: benchHelp, backend: backendHelp }).map(([command, help]) => [
    command,
    new Set(['help', ...[...help.matchAll(/--([a-z-]+)/g)].map((m) => m[1])]),
  ]),
);

/** "train does not take --out; it takes --task, …", or (no known command) where to look. */
function strayFlagText(command: string | undefined, flag: string): string {
  const takes = command ? FLAGS.get(command) : undefined;
  if (!takes) return `unknown option ${flag}; run rnn-workbench --help for each command's options`;
  return `${command} does not take ${flag}; it takes ${[...takes].filter((f) => f !== 'help').map((f) => `--${f}`).join(', ')}`;
}

function checkFlags(command: string, values: Record<string, unknown>): void {
  const stray = Object.keys(values).find((k) => !(FLAGS.get(command)?.has(k) ?? true));
  if (stray) throw new CliError(strayFlagText(command, `--${stray}`));
}

const USAGE = [
  'usage: rnn-workbench <command> [options]',
  '',
  `  ${inspectHelp}`,
  '      dataset summary: format, columns and their roles, labels, length histogram, warnings',
  `  ${paramsHelp}`,
  '      the page’s parameter table: shared vs unshared recurrent weights per maximum length',
  `  ${trainHelp}`,
  '      trains in a worker process, streams metrics, saves a session folder',
  `  ${evalHelp}`,
  '      length-generalization curve of a trained session (lengths beyond training included)',
  `  ${experimentHelp}`,
  '      runs one of the page’s demos end to end and says whether its claim was reproduced',
  `  ${exportHelp}`,
  '      one-file archive of a session (config, fingerprint, weights, metrics, eval), metrics as CSV',
  `  ${importHelp}`,
  '      checks every entry (paths, sizes, schemas, sha256) before writing; never overwrites',
  `  ${serveHelp}`,
  '      the full app in a browser: HTTP + WebSocket, token-protected, loopback by default',
  `  ${benchHelp}`,
  '      training steps/s of the standard configs on every backend that loads (PyTorch side by side)',
  `  ${backendHelp}`,
  '      which tfjs backend runs here, and why faster ones do not',
].join('\n');

const consoleIo: CliIo = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

/** A one-line progress meter on a terminal's stderr; silent when piped. */
function progressBar(io: CliIo): (fraction: number) => void {
  if (!process.stderr.isTTY || io !== consoleIo) return () => {};
  return (f) => process.stderr.write(`\rreading ${(100 * f).toFixed(0).padStart(3)}%${f >= 1 ? '\r             \r' : ''}`);
}

/** What a file-system error means for the user, "PATH: reason" (Node says "ENOSPC: no space left on device, write"); null for anything else. */
function diskProblem(err: unknown): string | null {
  const { code, path } = err as { code?: string; path?: string };
  const reasons: Record<string, string> = {
    ENOENT: 'no such file or folder',
    ENOTDIR: 'a part of this path is a file, not a folder',
    EISDIR: 'is a folder, not a file',
    EACCES: 'permission denied',
    EPERM: 'not permitted',
    EROFS: 'the disk is read-only',
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is used up',
  };
  return code && path && reasons[code] ? `${path}: ${reasons[code]}` : null;
}

/** Runs one command; resolves to the process exit code. */
export async function runCli(argv: string[], io: CliIo = consoleIo): Promise<number> {
  try {
    const { positionals, values } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    const [command] = positionals;
    if (!command || values.help) {
      io.out(USAGE);
      return command || values.help ? 0 : 2;
    }
    checkFlags(command, values);
    switch (command) {
      case 'inspect':
        await inspectCommand(positionals[1], values, io, progressBar(io));
        return 0;
      case 'train':
        return await trainCommand(values, io, Boolean(process.stderr.isTTY) && io === consoleIo);
      case 'eval':
        await evalCommand(values, io);
        return 0;
      case 'experiment':
        await experimentCommand(positionals[1], values, io);
        return 0;
      case 'serve':
        return await serveCommand(values, io);
      case 'bench':
        benchCommand(values, io);
        return 0;
      case 'export':
        exportCommand(values, io);
        return 0;
      case 'import':
        importCommand(positionals[1], values, io);
        return 0;
      case 'params':
        paramsCommand(values, io);
        return 0;
      case 'backend': {
        const only = values.backend === undefined ? undefined : BackendNameSchema.safeParse(values.backend);
        if (only && !only.success) throw new CliError(`--backend must be one of ${BackendNameSchema.options.join(', ')}, got "${values.backend}"`);
        const report = await initBackend(only ? { only: only.data } : {});
        // webgpu is never the default: say whether runs could take it (backend-choice.ts)
        const gpu = only || report.device === 'gpu' ? null : gpuDevicePresent() ? await webgpuStatus() : { error: NO_GPU_DEVICE };
        io.out(values.json ? JSON.stringify({ ...report, ...(gpu ? { webgpu: gpu } : {}) }) : describeBackend(report) + (gpu ? `\n${webgpuText(gpu)}` : ''));
        return 0;
      }
      default:
        throw new CliError(`unknown command "${command}"; run rnn-workbench --help for the list`);
    }
  } catch (err) {
    // parseArgs throws TypeErrors with a code for unknown or malformed options: a user mistake too
    const userMistake = err instanceof CliError || err instanceof DataError || err instanceof SessionError || err instanceof ArchiveError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    const disk = diskProblem(err);
    // (Node's own words for an unknown option go on about positionals starting with '-')
    const unknown = (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /'([^']+)'/.exec((err as Error).message)?.[1] : undefined;
    const message = unknown ? strayFlagText(argv[0], unknown) : disk ?? (err instanceof Error ? err.message : String(err));
    io.err(`rnn-workbench: ${message}`);
    return userMistake || disk ? 2 : 1;
  }
}
