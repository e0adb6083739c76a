/**
 * One bench case in its own process (clean peak RSS): a training step — forward, backward,
 * Adam — on random data, repeated for a few seconds after a warm-up.
 * argv: backend config model kernels seconds [off|split|full] [threads, default 2]; prints one
 * JSON line. kernels: fast, autodiff, or on webgpu fast-ops (the fast path without the cells' own
 * programs, webgpu-*.ts), fast-pass or fast-step (the programs in that layout: webgpu-programs.ts;
 * fast takes the one the model's size picks). With split/full the step runs over that many threads (runs/data-parallel.ts): the
 * helpers' shards are packed once and sent every step (a copy, as in a real run), the training
 * thread's shard made into tensors once, as the one-thread batch is; 'full' takes a batch per
 * thread a step. `cores`: the process's CPU time over wall time while timed (helper threads
 * included).
 */
import * as tf from '@tensorflow/tfjs';
import { BackendNameSchema, ModelConfigSchema, type ModelConfigInput } from '../main/contract.js';
import type { PlainBatch } from '../main/data/batches.js';
import { disposeBatch, tensorBatch } from '../main/engine/batch.js';
import { initBackend } from '../main/engine/backend.js';
import { useWebgpuLayout } from '../main/engine/kernels/pass-layout.js';
import { useWebgpuPrograms } from '../main/engine/kernels/webgpu-programs.js';
import { SequenceModel } from '../main/engine/models/sequence-model.js';
import { createRng } from '../main/engine/random.js';
import { readLater } from '../main/engine/reads.js';
import { createOptimizer, stepReads } from '../main/engine/train.js';
import { SimdKernels } from '../main/engine/simd/simd-kernels.js';
import { DataParallel, disposeShards, prepareShards, splitBatch } from '../main/runs/data-parallel.js';
import { enableRelaxedSimd } from '../main/runs/wasm-features.js';
import { useHeadlessNvidiaVulkan } from '../main/runs/vulkan-env.js';
import { BENCH_CONFIGS, BENCH_MODELS } from './configs.js';

enableRelaxedSimd(); // as the worker processes do
useHeadlessNvidiaVulkan();
const [backend, configName, modelName, kernels, secondsArg, parallelArg = 'off', threadsArg = '2'] = process.argv.slice(2);
// a case that cannot run says why in one JSON line (the bench lists it as skipped)
process.on('uncaughtException', (e) => {
  process.stdout.write(`${JSON.stringify({ error: e.message.split('\n')[0] })}\n`);
  process.exit(1);
});
const cfg = BENCH_CONFIGS[configName as keyof typeof BENCH_CONFIGS];
const model = BENCH_MODELS[modelName as keyof typeof BENCH_MODELS];
const report = await initBackend({ only: BackendNameSchema.parse(backend) });
useWebgpuPrograms(kernels !== 'fast-ops');
if (kernels === 'fast-pass' || kernels === 'fast-step') useWebgpuLayout(kernels === 'fast-pass' ? 'pass' : 'step');

const config: ModelConfigInput = {
  ...model.config,
  kernels: kernels === 'autodiff' ? 'autodiff' : 'fast',
  hidden: cfg.d,
  maxLen: cfg.T,
  init: 'page',
  input: { type: 'features', size: cfg.n },
  head: { type: 'classify', classes: 2 },
};
const m = new SequenceModel(config);
const opt = createOptimizer({ name: 'adam', lr: 1e-3 });
const rng = createRng(0);
const plainBatch = (): PlainBatch => ({
  x: Array.from({ length: cfg.B }, () => Array.from({ length: cfg.T }, () => Array.from({ length: cfg.n }, () => rng.normal()))),
  lengths: Array(cfg.B).fill(cfg.T),
  y: Array.from({ length: cfg.B }, () => rng.int(2)),
});
const plain = plainBatch();
const batch = tensorBatch(plain);
const threads = parallelArg === 'split' || parallelArg === 'full' ? Number(threadsArg) : 1;
const parallel = threads > 1 ? await DataParallel.start(ModelConfigSchema.parse(config), report.backend, parallelArg as 'split' | 'full', threads) : null;
// every step takes the same batch, ready as tensors (one thread) or packed shards (two): the
// bench times training, as PyTorch's reference does with its tensors made once
const shards = parallel ? prepareShards(parallelArg === 'split' ? splitBatch(plain, threads) : [plain, ...Array.from({ length: threads - 1 }, plainBatch)]) : null;
// one thread: as the training loop runs a step, its reads awaited (webgpu cannot block on them)
const step = async () => (parallel ? await parallel.step(m, opt, shards!) : await readLater(stepReads(m, opt, batch)));

// on webgpu, the programs a step dispatches (tfjs ops and the engine's own alike): a step there
// is bound by their count (≈ 50–150 µs each), so the bench shows it beside the time
let dispatches = 0;
if (report.backend === 'webgpu') {
  const be = tf.backend() as unknown as { runWebGPUProgram: (...args: unknown[]) => unknown };
  const run = be.runWebGPUProgram.bind(be);
  be.runWebGPUProgram = (...args) => (dispatches++, run(...args));
}

let peak = process.memoryUsage().rss;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
// warm-up: at least 2 steps and 1.5 s, until V8 has compiled the hot wasm with its optimizing
// tier on every thread (with both cores busy, a helper's tier-up otherwise lands in the timing)
const warm = performance.now();
for (let i = 0; i < 2 || performance.now() - warm < 1500; i++) await step();
const tensorsBefore = tf.memory().numTensors;
const seconds = Number(secondsArg ?? 3);
let steps = 0;
dispatches = 0;
const start = performance.now();
// CPU time of the whole process (helper threads included) over wall time: the cores a case keeps busy
const cpuBefore = process.cpuUsage();
while (performance.now() - start < seconds * 1000 || steps < 3) {
  await step();
  steps++;
  peak = Math.max(peak, process.memoryUsage().rss);
}
const elapsed = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cores = (cpu.user + cpu.system) / 1e6 / elapsed;
clearInterval(sample);
const tensorsAfter = tf.memory().numTensors;
disposeBatch(batch);
if (shards) disposeShards(shards);
await parallel?.dispose();
const examples = steps * cfg.B * (parallelArg === 'full' ? threads : 1);
process.stdout.write(
  `${JSON.stringify({ backend: report.backend, device: report.device, ...(report.adapter ? { adapter: report.adapter } : {}), config: configName, model: modelName, kernels, parallel: parallelArg, threads, matmul: SimdKernels.current()?.gemmVariant ?? 'backend', stepsPerSec: steps / elapsed, cores, msPerStep: (1000 * elapsed) / steps, examplesPerSec: examples / elapsed, peakRssMB: peak / 2 ** 20, tensors: tensorsAfter, tensorGrowth: tensorsAfter - tensorsBefore, steps, ...(report.backend === 'webgpu' ? { dispatchesPerStep: dispatches / steps } : {}) })}\n`,
);
