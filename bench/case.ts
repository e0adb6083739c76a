/**
 * One bench case in its own process (clean peak RSS): a training step — forward, backward,
 * Adam — on random data, repeated for a few seconds after two warm-up steps.
 * argv: backend config model kernels seconds; prints one JSON line.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendNameSchema, type ModelConfigInput } from '../main/contract.js';
import { disposeBatch, tensorBatch } from '../main/engine/batch.js';
import { initBackend } from '../main/engine/backend.js';
import { SequenceModel } from '../main/engine/models/sequence-model.js';
import { createRng } from '../main/engine/random.js';
import { createOptimizer, trainStep } from '../main/engine/train.js';
import { BENCH_CONFIGS, BENCH_MODELS } from './configs.js';

const [backend, configName, modelName, kernels, secondsArg] = process.argv.slice(2);
// a case that cannot run says why in one JSON line (the bench lists it as skipped)
process.on('uncaughtException', (e) => {
  process.stdout.write(`${JSON.stringify({ error: e.message.split('\n')[0] })}\n`);
  process.exit(1);
});
const cfg = BENCH_CONFIGS[configName as keyof typeof BENCH_CONFIGS];
const model = BENCH_MODELS[modelName as keyof typeof BENCH_MODELS];
const report = await initBackend({ only: BackendNameSchema.parse(backend) });

const config: ModelConfigInput = {
  ...model.config,
  kernels: kernels as 'fast' | 'autodiff',
  hidden: cfg.d,
  maxLen: cfg.T,
  init: 'page',
  input: { type: 'features', size: cfg.n },
  head: { type: 'classify', classes: 2 },
};
const m = new SequenceModel(config);
const opt = createOptimizer({ name: 'adam', lr: 1e-3 });
const rng = createRng(0);
const x = Array.from({ length: cfg.B }, () => Array.from({ length: cfg.T }, () => Array.from({ length: cfg.n }, () => rng.normal())));
const batch = tensorBatch({ x, lengths: Array(cfg.B).fill(cfg.T), y: Array.from({ length: cfg.B }, () => rng.int(2)) });

let peak = process.memoryUsage().rss;
const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
for (let i = 0; i < 2; i++) trainStep(m, opt, batch);
const tensorsBefore = tf.memory().numTensors;
const seconds = Number(secondsArg ?? 3);
let steps = 0;
const start = performance.now();
while (performance.now() - start < seconds * 1000 || steps < 3) {
  trainStep(m, opt, batch);
  steps++;
  peak = Math.max(peak, process.memoryUsage().rss);
}
const elapsed = (performance.now() - start) / 1000;
clearInterval(sample);
const tensorsAfter = tf.memory().numTensors;
disposeBatch(batch);
process.stdout.write(
  `${JSON.stringify({ backend: report.backend, config: configName, model: modelName, kernels, stepsPerSec: steps / elapsed, msPerStep: (1000 * elapsed) / steps, examplesPerSec: (steps * cfg.B) / elapsed, peakRssMB: peak / 2 ** 20, tensors: tensorsAfter, tensorGrowth: tensorsAfter - tensorsBefore, steps })}\n`,
);
