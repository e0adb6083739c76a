/**
 * Chooses, for one model, the faster of the backends that loaded, by timing real training
 * steps on each. Why: native TensorFlow on a GPU pays a kernel launch per op, and an RNN is
 * many small ops per step, so a small model can train faster on tfjs-wasm (one CPU core, the
 * hand-written kernels) than on the GPU; a big one is the other way round. Which side of that
 * line a model is on depends on its sizes, so it is measured, not guessed.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from '../contract.js';
import { tfBackendName } from './backend.js';
import { startWebgpu, webgpuProgramsReady } from './kernels/webgpu-check.js';
import { useWebgpuPrograms } from './kernels/webgpu-programs.js';

type Kernels = 'programs' | 'ops';

export interface Calibration {
  best: BackendName;
  /** steps: 1 where only its first (warm-up) step was timed, already slower than the rest by far */
  measured: { backend: BackendName; msPerStep: number; kernels?: Kernels; steps?: number }[];
}

/**
 * A CPU backend whose warm-up step alone takes this long, and this many times the fastest step
 * timed before it, is not timed further: it cannot win, and a large model's steps on one core
 * take seconds each (hidden 1,024 on an H200's host: 2.6 s against 0.23 s on the GPU). The floor
 * keeps a small model's one-time costs (V8 tier-up, weight packing) from ruling it out.
 */
const HOPELESS = { ms: 1000, times: 5 };

/**
 * Runs `trial` (which builds whatever it needs, trains `steps` steps and disposes everything)
 * on each candidate after one warm-up call, and leaves tfjs on the fastest.
 * Candidates must already be registered (initBackend loads them). Put a GPU first: its warm-up
 * (shader compiles) says little, while a CPU's says enough to stop early.
 */
export async function fastestBackend(candidates: BackendName[], trial: (steps: number) => Promise<void>, steps = 3): Promise<Calibration> {
  const measured: Calibration['measured'] = [];
  for (const backend of candidates) {
    try {
      if (!(await tf.setBackend(tfBackendName(backend))) || tf.getBackend() !== tfBackendName(backend)) continue;
      await tf.ready();
      // the own webgpu programs, checked once on this GPU before they are timed
      if (backend === 'webgpu') await startWebgpu();
    } catch {
      continue; // not registered or failed to initialise: not a candidate after all
    }
    // on webgpu both ways the cells can run, the own programs where their check passed (asked
    // with the programs wanted: an earlier calibration in this process may have turned them off)
    if (backend === 'webgpu') useWebgpuPrograms(true);
    const ways: (Kernels | undefined)[] = backend !== 'webgpu' ? [undefined] : webgpuProgramsReady() ? ['programs', 'ops'] : ['ops'];
    for (const kernels of ways) {
      if (kernels) useWebgpuPrograms(kernels === 'programs');
      const warm = performance.now();
      await trial(1); // warm-up: kernel setup (shader compiles), first allocations, XNNPACK weight packing
      const warmMs = performance.now() - warm;
      const best = Math.min(...measured.map((m) => m.msPerStep));
      if (backend !== 'webgpu' && warmMs > HOPELESS.ms && warmMs > HOPELESS.times * best) {
        measured.push({ backend, msPerStep: warmMs, steps: 1 });
        continue;
      }
      const start = performance.now();
      await trial(steps);
      measured.push({ backend, msPerStep: (performance.now() - start) / steps, ...(kernels ? { kernels } : {}) });
    }
  }
  if (measured.length === 0) throw new Error(`none of ${candidates.join(', ')} could run`);
  const fastest = measured.reduce((a, b) => (b.msPerStep < a.msPerStep ? b : a));
  const onGpu = measured.filter((m) => m.kernels).reduce<(typeof measured)[number] | null>((a, b) => (a && a.msPerStep <= b.msPerStep ? a : b), null);
  if (onGpu) useWebgpuPrograms(onGpu.kernels === 'programs');
  await tf.setBackend(tfBackendName(fastest.backend));
  return { best: fastest.backend, measured };
}
