/**
 * Which backend one run trains on. initBackend picks the fastest that loads in general; where
 * that is native TensorFlow (GPU or CPU) and tfjs-wasm loads too, the two are timed on this
 * run's own model and first batch (engine/calibrate.ts) and the faster one is kept.
 */
import type { BackendReport, RunConfig } from '../contract.js';
import { toPlainBatch } from '../data/batches.js';
import { disposeBatch, tensorBatch } from '../engine/batch.js';
import { fastestBackend } from '../engine/calibrate.js';
import { SequenceModel } from '../engine/models/sequence-model.js';
import { createOptimizer, trainStep } from '../engine/train.js';
import type { PreparedData } from './run-data.js';

export async function backendForRun(config: RunConfig, data: PreparedData, report: BackendReport): Promise<BackendReport> {
  // an explicit choice is kept; wasm and cpu are already the CPU-side best
  if (config.backend || (report.backend !== 'tensorflow-gpu' && report.backend !== 'tensorflow') || data.train.length === 0) return report;
  const sample = toPlainBatch(data.train.slice(0, config.train.batch));
  const trial = (steps: number) => {
    const model = new SequenceModel(data.model);
    const optimizer = createOptimizer({ name: config.train.optimizer, lr: config.train.lr, momentum: config.train.momentum });
    const batch = tensorBatch(sample);
    try {
      for (let i = 0; i < steps; i++) trainStep(model, optimizer, batch, { loss: config.train.loss });
    } finally {
      disposeBatch(batch);
      optimizer.dispose();
      model.dispose();
    }
  };
  try {
    const { best, measured } = await fastestBackend([report.backend, 'wasm'], trial);
    return { ...report, backend: best, device: best === 'wasm' ? 'cpu' : report.device, measured };
  } catch {
    return report; // could not time them: stay with what initBackend chose
  }
}
