/**
 * Which backend one run trains on. initBackend picks the fastest CPU-side backend that loads
 * (or native TensorFlow). Where a GPU backend loads too (tfjs-node-gpu, or webgpu beside wasm),
 * the two are timed on this run's own model and first batch (engine/calibrate.ts) and the
 * faster one is kept: a small RNN is many small kernels a step, and loses on a GPU.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName, BackendReport, RunConfig } from '../contract.js';
import { toPlainBatch } from '../data/batches.js';
import { disposeBatch, tensorBatch } from '../engine/batch.js';
import { fastestBackend } from '../engine/calibrate.js';
import { SequenceModel } from '../engine/models/sequence-model.js';
import { readLater } from '../engine/reads.js';
import { createOptimizer, stepReads } from '../engine/train.js';
import { loadWebgpu, releaseWebgpu, webgpuAdapter } from '../engine/webgpu.js';
import type { PreparedData } from './run-data.js';
import { gpuDevicePresent, NO_GPU_DEVICE } from './vulkan-env.js';

/**
 * Whether a run on `report` will time webgpu, decided without loading it: null where it is not
 * considered (a backend other than wasm), else whether a GPU device shows, or why not. The app
 * says this before any run (workbench-service.ts).
 */
export function webgpuConsidered(report: BackendReport): { device: true } | { error: string } | null {
  if (report.backend !== 'wasm') return null;
  return gpuDevicePresent() ? { device: true } : { error: NO_GPU_DEVICE };
}

/** What else a run on `report` may be timed against: a GPU where it runs on the CPU, wasm where it runs natively. */
async function rival(report: BackendReport, softwareGpu: boolean): Promise<{ rival: BackendName } | { error: string } | null> {
  if (report.backend === 'tensorflow-gpu' || report.backend === 'tensorflow') return { rival: 'wasm' };
  const considered = webgpuConsidered(report);
  if (!considered) return null;
  // (a software GPU, for tests, needs no device)
  if ('error' in considered && !softwareGpu) return considered;
  try {
    await loadWebgpu(softwareGpu);
    return { rival: 'webgpu' };
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0].slice(0, 300) };
  }
}

/** @param softwareGpu time webgpu on a software adapter too (tests: Mesa's llvmpipe) */
export async function backendForRun(config: RunConfig, data: PreparedData, report: BackendReport, softwareGpu = false): Promise<BackendReport> {
  // an explicit choice is kept
  if (config.backend || data.train.length === 0) return report;
  const other = await rival(report, softwareGpu);
  if (!other) return report;
  if ('error' in other) return { ...report, tried: [...report.tried, { name: 'webgpu', error: other.error }] };
  const sample = toPlainBatch(data.train.slice(0, config.train.batch));
  const trial = async (steps: number) => {
    const model = new SequenceModel(data.model);
    const optimizer = createOptimizer({ name: config.train.optimizer, lr: config.train.lr, momentum: config.train.momentum });
    const batch = tensorBatch(sample);
    try {
      // each step reads its loss, as the training loop does: a GPU's queue drains every step
      for (let i = 0; i < steps; i++) await readLater(stepReads(model, optimizer, batch, { loss: config.train.loss }));
    } finally {
      disposeBatch(batch);
      optimizer.dispose();
      model.dispose();
    }
  };
  // the GPU first: a CPU backend far slower than it is then told after one step (calibrate.ts)
  const candidates: BackendName[] = other.rival === 'webgpu' ? ['webgpu', report.backend] : [report.backend, other.rival];
  try {
    const { best, measured } = await fastestBackend(candidates, trial);
    const gpu = best === 'tensorflow-gpu' ? report.device : best === 'webgpu' ? (webgpuAdapter()?.software ? 'cpu' : 'gpu') : 'cpu';
    const adapter = best === 'webgpu' ? webgpuAdapter()?.description : undefined;
    // the SIMD kernels are wasm's: said only where wasm runs
    const { simd, ...rest } = report;
    return { ...rest, backend: best, device: gpu, measured, ...(adapter ? { adapter } : {}), ...(best === 'wasm' && simd ? { simd } : {}) };
  } catch {
    return report; // could not time them: stay with what initBackend chose
  } finally {
    // Dawn would keep the process alive, and its memory, for a backend no longer used
    if (other.rival === 'webgpu' && tf.getBackend() !== 'webgpu') releaseWebgpu();
  }
}
