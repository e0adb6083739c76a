/** Per-model backend choice: each candidate timed on real steps, the fastest kept. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { RunConfigSchema } from '../../main/contract.js';
import { initBackend } from '../../main/engine/backend.js';
import { fastestBackend } from '../../main/engine/calibrate.js';
import { SequenceModel } from '../../main/engine/models/sequence-model.js';
import { createOptimizer, trainStep } from '../../main/engine/train.js';
import { disposeBatch, tensorBatch } from '../../main/engine/batch.js';
import { backendForRun } from '../../main/runs/backend-choice.js';
import { prepareRunData } from '../../main/runs/run-data.js';

const noFiles = async () => {
  throw new Error('no files in this test');
};

describe('fastestBackend', () => {
  it('times every candidate that runs, skips one that is not installed, and leaves tfjs on the fastest', async () => {
    await initBackend({ only: 'wasm' });
    const plain = { x: [[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], [[0.2, 0.1], [0, 0], [0, 0]]], lengths: [3, 1], y: [0, 1] };
    const trial = async (steps: number) => {
      const model = new SequenceModel({ kind: 'shared', cell: 'gru', hidden: 8, input: { type: 'features', size: 2 }, head: { type: 'classify', classes: 2 } });
      const opt = createOptimizer({ name: 'adam', lr: 0.01 });
      const batch = tensorBatch(plain);
      for (let i = 0; i < steps; i++) trainStep(model, opt, batch);
      disposeBatch(batch);
      opt.dispose();
      model.dispose();
    };
    const before = tf.memory().numTensors;
    const { best, measured } = await fastestBackend(['tensorflow', 'wasm', 'cpu'], trial, 2);
    // tfjs-node is not installed here: 'tensorflow' is skipped, not an error
    expect(measured.map((m) => m.backend)).toEqual(['wasm', 'cpu']);
    expect(measured.every((m) => m.msPerStep > 0)).toBe(true);
    expect(best).toBe(measured.reduce((a, b) => (b.msPerStep < a.msPerStep ? b : a)).backend);
    expect(tf.getBackend()).toBe(best);
    await tf.setBackend('wasm');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a CPU backend whose first step is over a second and 5× the fastest timed is not timed further; one under the floor is', async () => {
    await initBackend({ only: 'wasm' });
    // steps of known cost per backend (a busy wait): what matters here is the timing rule
    const busy = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    const trialOf = (cost: Record<string, number>) => async (steps: number) => {
      for (let i = 0; i < steps; i++) busy(cost[tf.getBackend()]);
    };
    const slow = await fastestBackend(['wasm', 'cpu'], trialOf({ wasm: 5, cpu: 1100 }));
    expect(slow.best).toBe('wasm');
    expect(slow.measured.map((m) => [m.backend, m.steps])).toEqual([['wasm', undefined], ['cpu', 1]]);
    expect(slow.measured[1].msPerStep).toBeGreaterThanOrEqual(1100);
    // 300 ms is 60× slower but under the one-second floor: a small model's one-time costs could be that
    const near = await fastestBackend(['wasm', 'cpu'], trialOf({ wasm: 5, cpu: 300 }));
    expect(near.measured.map((m) => [m.backend, m.steps])).toEqual([['wasm', undefined], ['cpu', undefined]]);
    await tf.setBackend('wasm');
  });

  it('a run keeps an explicit backend, and cpu, without timing anything; on wasm without a GPU it says why', async () => {
    await initBackend({ only: 'wasm' });
    const config = RunConfigSchema.parse({ data: { type: 'task', task: 'parity', count: 64, minLen: 2, maxLen: 6 }, model: { kind: 'shared', hidden: 8 } });
    const data = await prepareRunData(config, noFiles);
    const cpu = { backend: 'cpu' as const, device: 'cpu' as const, tried: [] };
    expect(await backendForRun(config, data, cpu)).toBe(cpu);
    // no hardware GPU here (at most Mesa's software Vulkan, which is refused): wasm stays, with the reason
    const report = { backend: 'wasm' as const, device: 'cpu' as const, tried: [] };
    const chosen = await backendForRun(config, data, report);
    expect(chosen).toEqual({ ...report, tried: [{ name: 'webgpu', error: expect.stringMatching(/no GPU device here|only a software adapter|no WebGPU adapter/) }] });
    expect(tf.getBackend()).toBe('wasm');
    const pinned = { ...config, backend: 'tensorflow' as const };
    const native = { backend: 'tensorflow' as const, device: 'cpu' as const, tried: [] };
    expect(await backendForRun(pinned, data, native)).toBe(native);
  });
});
