/** The bench's ratios: each model against PyTorch's same model, and step costs against the shared tanh. */
import { describe, expect, it } from 'vitest';
import { benchCommand, fasterRun, pytorchReference, stepCosts, withTorchRatios } from '../../main/cli/bench-command.js';
import type { CliIo } from '../../main/cli/io.js';

const row = (config: string, model: string, stepsPerSec: number, parallel = 'off', kernels = 'fast') => ({ backend: 'wasm', config, model, kernels, parallel, stepsPerSec, examplesPerSec: stepsPerSec * 32 * (parallel === 'full' ? 2 : 1) });
const torch = [
  { impl: 'nn.RNN', config: 'B', stepsPerSec: 25 },
  { impl: 'manual loop', config: 'B', stepsPerSec: 20 },
  { impl: 'unshared loop', config: 'B', stepsPerSec: 12.5 },
  // PyTorch on a GPU: printed beside, never a ratio's reference (our cases run on the CPU)
  { impl: 'nn.RNN', config: 'B', stepsPerSec: 500, device: 'cuda' as const, gpu: 'NVIDIA H200' },
  { impl: 'unshared loop', config: 'B', stepsPerSec: 300, device: 'cuda' as const, gpu: 'NVIDIA H200' },
];

describe('bench ratios', () => {
  it('compares each model with the same model in PyTorch, examples per second, and GRU/LSTM with nothing', () => {
    const [shared, full, unshared, gru] = withTorchRatios([row('B', 'shared tanh', 30), row('B', 'shared tanh', 20, 'full'), row('B', 'unshared tanh', 10), row('B', 'shared GRU', 8)], torch);
    expect(shared.vsTorchRNN).toBeCloseTo(1.2, 10);
    expect(shared.vsTorchLoop).toBeCloseTo(1.5, 10);
    // a full step is two batches
    expect(full.vsTorchRNN).toBeCloseTo(1.6, 10);
    expect(unshared.vsTorchRNN).toBeNull();
    expect(unshared.vsTorchLoop).toBeCloseTo(0.8, 10);
    expect([gru.vsTorchRNN, gru.vsTorchLoop]).toEqual([null, null]);
  });
  it('gives each model’s one-thread step cost against its baseline (the shared tanh, or the tanh of its kind), PyTorch’s beside it where it has both', () => {
    const costs = stepCosts([row('B', 'shared tanh', 20), row('B', 'shared tanh', 30, 'split'), row('B', 'unshared tanh', 12.5), row('B', 'unshared tanh', 1, 'off', 'autodiff'), row('B', 'shared LSTM', 5), row('B', 'unshared GRU', 5)], torch);
    expect(costs).toEqual([
      { backend: 'wasm', config: 'B', model: 'unshared tanh', baseline: 'shared tanh', ours: 1.6, torch: 1.6 },
      { backend: 'wasm', config: 'B', model: 'shared LSTM', baseline: 'shared tanh', ours: 4, torch: null },
      { backend: 'wasm', config: 'B', model: 'unshared GRU', baseline: 'unshared tanh', ours: 2.5, torch: null },
    ]);
    expect(stepCosts([row('A', 'unshared tanh', 12.5)], torch)).toEqual([]);
  });
});

describe('bench options', () => {
  it('refuses a thread count the data-parallel cases cannot use, before running anything', () => {
    const io: CliIo = { out: () => {}, err: () => {} };
    for (const threads of ['1', '0', '2.5', 'x', '65']) expect(() => benchCommand({ threads }, io), threads).toThrow(/--threads must be a whole number from 2 to 64/);
    for (const rounds of ['0', '1.5', 'x', '11']) expect(() => benchCommand({ rounds }, io), rounds).toThrow(/--rounds must be a whole number from 1 to 10/);
  });
  it('--rounds keeps each case’s faster run, and the worse memory of its runs', () => {
    const first = { ...row('A', 'shared tanh', 180), peakRssMB: 210, tensorGrowth: 0 };
    const second = { ...row('A', 'shared tanh', 195), peakRssMB: 204, tensorGrowth: 1 };
    expect(fasterRun(first, second)).toEqual({ ...second, peakRssMB: 210, tensorGrowth: 1 });
    expect(fasterRun(second, first)).toEqual({ ...second, peakRssMB: 210, tensorGrowth: 1 });
  });

  it('runs the reference with --python as a path or a name on PATH, and says why it could not', () => {
    expect(pytorchReference('rnnwb-no-such-python', 1, ['A'])).toBe('rnnwb-no-such-python not found');
    // `false` is found on PATH (a name, as `--python python3` on a machine whose torch is in a venv) and fails
    expect(pytorchReference('false', 1, ['A'])).toBe('false exited with status 1 (apt-get install python3-torch libopenblas0-pthread)');
  });
});
