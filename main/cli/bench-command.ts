/**
 * `rnn-workbench bench` (npm run bench): steps/s of the standard configs for every model and
 * backend that loads, each case in its own process (clean peak RSS); with --against-pytorch
 * the PyTorch reference runs in the same invocation and the ratios are printed.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_CONFIGS, BENCH_MODELS, DEFAULT_BENCH_CONFIGS } from '../../bench/configs.js';
import { passLayout } from '../engine/kernels/pass-layout.js';
import { CliError, type CliIo } from './io.js';
import { tsxLoaderUrl } from '../runs/tsx-loader.js';

export const benchHelp = 'bench [--against-pytorch] [--backends tensorflow-gpu,tensorflow,webgpu,wasm,cpu] [--configs A,B,C] [--full-cpu] [--threads N] [--rounds N] [--python PATH] [--seconds S] [--json]';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
/** Debian's python, where apt's python3-torch lives (another python may come first on PATH). */
const PYTHON = '/usr/bin/python3';

interface CaseResult {
  backend: string;
  config: string;
  model: string;
  kernels: string;
  /** off, or the data-parallel mode over `threads` threads */
  parallel: string;
  threads: number;
  /** on wasm: the engine's SIMD matmul variant ('relaxed-simd-fma' or 'simd'); else 'backend' */
  matmul: string;
  stepsPerSec: number;
  /** CPU time over wall time while timed: the cores the case kept busy */
  cores: number;
  msPerStep: number;
  examplesPerSec: number;
  peakRssMB: number;
  tensors: number;
  tensorGrowth: number;
  /** where the backend runs ('gpu' or 'cpu'), and on webgpu the adapter */
  device: string;
  adapter?: string;
  /** on webgpu: programs dispatched a step, tfjs's and the engine's own */
  dispatchesPerStep?: number;
}

function runCase(backend: string, config: string, model: string, kernels: string, seconds: number, parallel = 'off', threads = 2): CaseResult | { error: string } {
  const r = spawnSync(process.execPath, ['--import', tsxLoaderUrl(), resolve(repoRoot, 'bench/case.ts'), backend, config, model, kernels, String(seconds), parallel, String(threads)], { encoding: 'utf8', timeout: 600_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (!line) return { error: `exit ${r.status}: ${r.stderr.trim().split('\n').at(-1)?.slice(0, 200) ?? ''}` };
  const parsed = JSON.parse(line) as CaseResult | { error: string };
  return 'error' in parsed ? { error: parsed.error.slice(0, 300) } : parsed;
}

/** bench/pytorch_reference.py's rows, run by `python`, or why there are none. */
export function pytorchReference(python: string, seconds: number, configs: string[]): TorchResult[] | string {
  // a path or a name on PATH (`--python python3`, as on a machine whose torch is in a venv)
  const r = spawnSync(python, [resolve(repoRoot, 'bench/pytorch_reference.py'), String(seconds), configs.join(',')], { encoding: 'utf8', timeout: 600_000 });
  if (r.error) return (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? `${python} not found` : r.error.message;
  if (r.status !== 0) return (r.stderr.trim().split('\n').at(-1) || `${python} exited with status ${String(r.status)}`) + ' (apt-get install python3-torch libopenblas0-pthread)';
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

/**
 * The reference before and after our cases, each impl's faster run kept: this machine's speed
 * drifts by ±25 % over minutes (PyTorch B measured 23 to 44 steps/s in one afternoon), and the
 * faster reference is the one our ratios must stand against.
 */
function pytorchBestOf(before: ReturnType<typeof pytorchReference>, after: ReturnType<typeof pytorchReference>): ReturnType<typeof pytorchReference> {
  if (!Array.isArray(before) || !Array.isArray(after)) return Array.isArray(before) ? before : after;
  return before.map((b) => {
    const a = after.find((r) => r.config === b.config && r.impl === b.impl && r.device === b.device);
    return a && a.stepsPerSec > b.stepsPerSec ? a : b;
  });
}

/**
 * Of two runs of one case, the faster, with the larger peak RSS and tensor growth of the two:
 * `--rounds` keeps each case's best speed, as the reference keeps its faster run, and its worst
 * memory.
 */
export function fasterRun<R extends Pick<CaseResult, 'stepsPerSec' | 'peakRssMB' | 'tensorGrowth'>>(a: R, b: R): R {
  const faster = b.stepsPerSec > a.stepsPerSec ? b : a;
  return { ...faster, peakRssMB: Math.max(a.peakRssMB, b.peakRssMB), tensorGrowth: Math.max(a.tensorGrowth, b.tensorGrowth) };
}

/** One PyTorch case; device 'cuda' where PyTorch found a GPU (absent in older output: the CPU). */
type TorchResult = { impl: string; config: string; stepsPerSec: number; device?: 'cpu' | 'cuda'; gpu?: string; cores?: number };

/** Our cases run on the CPU: their ratios stand against PyTorch on the same CPU. */
const onCpu = (torch: TorchResult[]) => torch.filter((t) => (t.device ?? 'cpu') === 'cpu');

/** Which PyTorch runs a model is measured against: the same model (the reference has tanh cells only). */
const TORCH_IMPLS: Record<string, { rnn?: string; loop: string }> = {
  'shared tanh': { rnn: 'nn.RNN', loop: 'manual loop' },
  'unshared tanh': { loop: 'unshared loop' },
};

/**
 * Each result with its speed against PyTorch's same model, by examples/s (PyTorch does one
 * batch of B a step, so a 'full' step of a batch per thread compares fairly); null where PyTorch has
 * no such model (GRU, LSTM) or did not run.
 */
export function withTorchRatios<R extends Pick<CaseResult, 'config' | 'model' | 'examplesPerSec'>>(results: R[], torch: TorchResult[]): (R & { vsTorchRNN: number | null; vsTorchLoop: number | null })[] {
  const cpu = onCpu(torch);
  const ratio = (r: R, impl: string | undefined) => {
    const ref = impl && cpu.find((t) => t.config === r.config && t.impl === impl)?.stepsPerSec;
    return ref ? r.examplesPerSec / (ref * BENCH_CONFIGS[r.config as keyof typeof BENCH_CONFIGS].B) : null;
  };
  return results.map((r) => ({ ...r, vsTorchRNN: ratio(r, TORCH_IMPLS[r.model]?.rnn), vsTorchLoop: ratio(r, TORCH_IMPLS[r.model]?.loop) }));
}

/**
 * What a step of each model costs against its baseline in the same config (fast kernels, one
 * thread), the issue's budgets: the unshared tanh against the shared tanh (1.5×), a GRU or LSTM
 * against the tanh of its kind (3×, 4×). Beside it PyTorch's ratio where it has both models
 * (its page loops).
 */
export function stepCosts(results: Pick<CaseResult, 'config' | 'model' | 'kernels' | 'parallel' | 'backend' | 'stepsPerSec'>[], torch: TorchResult[]): { backend: string; config: string; model: string; baseline: string; ours: number; torch: number | null }[] {
  const single = results.filter((r) => r.kernels === 'fast' && r.parallel === 'off');
  const cpu = onCpu(torch);
  return single.flatMap((r) => {
    const baseline = r.model === 'unshared tanh' ? 'shared tanh' : r.model.replace(/ (gru|lstm)$/i, ' tanh');
    const base = single.find((b) => b.config === r.config && b.backend === r.backend && b.model === baseline);
    if (!base || baseline === r.model) return [];
    const torchOf = (model: string) => {
      const impl = TORCH_IMPLS[model]?.loop;
      return impl ? cpu.find((t) => t.config === r.config && t.impl === impl)?.stepsPerSec : undefined;
    };
    const [mine, theirs] = [torchOf(r.model), torchOf(baseline)];
    return [{ backend: r.backend, config: r.config, model: r.model, baseline, ours: base.stepsPerSec / r.stepsPerSec, torch: mine && theirs ? theirs / mine : null }];
  });
}

/** --configs A,B,C: which of BENCH_CONFIGS to run (default A and B). */
export function benchConfigs(flag: unknown): (keyof typeof BENCH_CONFIGS)[] {
  if (flag === undefined) return DEFAULT_BENCH_CONFIGS;
  const names = String(flag).split(',').map((c) => c.trim().toUpperCase());
  const unknown = names.filter((c) => !(c in BENCH_CONFIGS));
  if (unknown.length || names.length === 0) throw new CliError(`--configs takes names from ${Object.keys(BENCH_CONFIGS).join(', ')}, got "${String(flag)}"`);
  return [...new Set(names)] as (keyof typeof BENCH_CONFIGS)[];
}

export function benchCommand(values: Record<string, unknown>, io: CliIo): void {
  const seconds = values.seconds ? Number(values.seconds) : 2;
  const threads = values.threads ? Number(values.threads) : 2;
  if (!Number.isInteger(threads) || threads < 2 || threads > 64) throw new Error(`--threads must be a whole number from 2 to 64 (the data-parallel cases' threads), got ${String(values.threads)}`);
  const rounds = values.rounds ? Number(values.rounds) : 1;
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 10) throw new Error(`--rounds must be a whole number from 1 to 10, got ${String(values.rounds)}`);
  const configs = benchConfigs(values.configs);
  const python = String(values.python ?? PYTHON);
  const torchBefore = values['against-pytorch'] ? pytorchReference(python, seconds, configs) : null;
  const backends = String(values.backends ?? 'tensorflow-gpu,tensorflow,webgpu,wasm,cpu').split(',');
  const results: CaseResult[] = [];
  const skipped: string[] = [];
  const progress = (r: CaseResult) => {
    if (!values.json) io.err(`  ${r.backend} ${r.config} ${r.model} (${r.kernels}${r.parallel === 'off' ? '' : `, ${threads} threads ${r.parallel}`}): ${r.stepsPerSec.toFixed(2)} steps/s, ${r.examplesPerSec.toFixed(0)} examples/s`);
  };
  eachBackend: for (const backend of backends) {
    // the plain-JS cpu backend runs config B at ~0.02–0.2 steps/s: only with --full-cpu
    for (const config of configs.filter((c) => backend !== 'cpu' || c === 'A' || values['full-cpu'])) {
      for (const [model, spec] of Object.entries(BENCH_MODELS).filter(([, s]) => !s.wasmOnly || backend === 'wasm')) {
        // threads only help the single-threaded backends (tfjs-node already uses every core)
        const threaded = backend === 'wasm' || (backend === 'cpu' && values['full-cpu']) ? spec.parallel : [];
        // on webgpu the fast path three ways: with the cells' own programs (webgpu-*.ts) in the
        // layout the size picks and in the other one, and as ops
        const other = passLayout(BENCH_CONFIGS[config].B, BENCH_CONFIGS[config].d) === 'pass' ? 'fast-step' : 'fast-pass';
        const kernels = backend === 'webgpu' ? spec.kernels.flatMap((k) => (k === 'fast' ? ['fast', other, 'fast-ops'] : [k])) : spec.kernels;
        const cases: [string, string][] = [...kernels.map((k): [string, string] => [k, 'off']), ...threaded.map((p): [string, string] => ['fast', p])];
        for (const [kernels, parallel] of cases) {
          const r = runCase(backend, config, model, kernels, seconds, parallel, threads);
          if ('error' in r) {
            skipped.push(`${backend}: ${r.error}`);
            // a backend that cannot load fails every case the same way
            if (/no tfjs backend could start/.test(r.error)) continue eachBackend;
            continue;
          }
          // tfjs-node-gpu without a usable GPU is tfjs-node on the CPU: the next backend's cases
          if (backend === 'tensorflow-gpu' && r.backend !== backend) {
            skipped.push(`${backend}: loaded, but TensorFlow found no usable GPU (it would run as ${r.backend} on the CPU)`);
            continue eachBackend;
          }
          // webgpu on a software Vulkan (Mesa's llvmpipe) is no GPU: timing it says nothing
          if (backend === 'webgpu' && r.device === 'cpu') {
            skipped.push(`${backend}: only a software adapter (${r.adapter ?? 'no name'}), no GPU`);
            continue eachBackend;
          }
          results.push(r);
          progress(r);
        }
      }
    }
  }
  // later rounds run every case that ran again, in the same order, each keeping its faster run
  for (let round = 2; round <= rounds; round++) {
    results.forEach((best, i) => {
      const r = runCase(best.backend, best.config, best.model, best.kernels, seconds, best.parallel, threads);
      if ('error' in r) return;
      progress(r);
      results[i] = fasterRun(best, r);
    });
  }
  const torch = torchBefore === null ? null : pytorchBestOf(torchBefore, pytorchReference(python, seconds, configs));
  const rows = withTorchRatios(results, Array.isArray(torch) ? torch : []);
  const costs = stepCosts(results, Array.isArray(torch) ? torch : []);
  if (values.json) {
    io.out(JSON.stringify({ configs: Object.fromEntries(configs.map((c) => [c, BENCH_CONFIGS[c]])), results: rows, costs, pytorch: torch, skipped }));
    return;
  }
  // a GPU step is bound by its dispatches: their count, where a webgpu case ran
  const onGpu = rows.some((r) => r.dispatchesPerStep !== undefined);
  const head = ['config', 'model', 'kernels', 'threads', 'backend', 'steps/s', 'examples/s', 'ms/step', 'cores', 'peak RSS MB', 'tensors (growth)', '× nn.RNN', '× page loop', ...(onGpu ? ['dispatches/step'] : [])];
  const table = rows.map((r) => [r.config, r.model, r.kernels, r.parallel === 'off' ? '1' : `${r.threads} ${r.parallel}`, r.backend, r.stepsPerSec.toFixed(2), r.examplesPerSec.toFixed(0), r.msPerStep.toFixed(1), r.cores.toFixed(1), r.peakRssMB.toFixed(0), `${r.tensors} (${r.tensorGrowth >= 0 ? '+' : ''}${r.tensorGrowth})`, r.vsTorchRNN?.toFixed(2) ?? '—', r.vsTorchLoop?.toFixed(2) ?? '—', ...(onGpu ? [r.dispatchesPerStep?.toFixed(0) ?? '—'] : [])]);
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  io.out(configs.map((k) => [k, BENCH_CONFIGS[k]] as const).map(([k, c]) => `${k}: input ${c.n}, hidden ${c.d}, T ${c.T}, batch ${c.B}; forward + backward + Adam`).join('\n'));
  if (rounds > 1) io.out(`each case ran ${rounds} times: its fastest run is shown, with the largest peak RSS and tensor growth of its runs`);
  io.out(`threads "${threads} full": each step takes a batch per thread (${threads} × B examples); × PyTorch compares examples/s with the same model in PyTorch (the page's loop: shared or unshared) on the CPU.`);
  const variants = [...new Set(rows.filter((r) => r.backend === 'wasm').map((r) => r.matmul))];
  if (variants.length) io.out(`wasm: the engine's SIMD kernels, matmul ${variants.map((v) => (v === 'relaxed-simd-fma' ? 'with relaxed-SIMD FMA' : v === 'simd' ? 'with mul + add (no relaxed SIMD here)' : v)).join(' / ')}`);
  io.out([head, ...table].map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n'));
  for (const c of costs) io.out(`${c.backend} ${c.config} ${c.model} costs ${c.ours.toFixed(2)}× a ${c.baseline} step (1 thread)${c.torch === null ? '' : `; PyTorch's page loops ${c.torch.toFixed(2)}×`}`);
  if (Array.isArray(torch)) {
    const list = (rows: TorchResult[]) => rows.map((t) => `${t.config} ${t.impl}: ${t.stepsPerSec.toFixed(1)} steps/s${t.cores === undefined ? '' : ` (${t.cores.toFixed(1)} cores)`}`).join('; ');
    io.out(`PyTorch on the CPU (faster of a run before and after ours) ${list(onCpu(torch))}`);
    const gpu = torch.filter((t) => t.device === 'cuda');
    if (gpu.length) io.out(`PyTorch on the GPU (${gpu[0].gpu ?? 'cuda'}) ${list(gpu)}`);
  }
  else if (torch) io.out(`PyTorch reference not run: ${torch}`);
  if (skipped.length) io.out(`skipped: ${[...new Set(skipped)].join('; ')}`);
}
