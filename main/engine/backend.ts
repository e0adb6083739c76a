/**
 * Picks the fastest tfjs backend that really runs here: tensorflow (GPU build, then CPU
 * build) → wasm → cpu, and says why each faster one was not used.
 *
 * Traps this handles: tfjs-node(-gpu) are optional and usually absent on dev machines (their
 * install downloads libtensorflow); `setBackend` can fall back silently, so the result is
 * checked with `tf.getBackend()`; tfjs-node-gpu without CUDA 11.2 / cuDNN 8.1 runs on the CPU
 * without a word, so `device` says "gpu" only when TensorFlow lists a GPU device.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { simdText, type BackendName, type BackendReport } from '../contract.js';
import { SimdKernels } from './simd/simd-kernels.js';
import { readScalar } from './reads.js';
import { shareIdentityOnWasm } from './wasm-identity.js';
import { startWebgpu } from './kernels/webgpu-check.js';
import { loadWebgpu, releaseWebgpu, webgpuAdapter } from './webgpu.js';

shareIdentityOnWasm();

const ORDER: BackendName[] = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

/**
 * Not in the default search: a run takes webgpu only where its steps time faster there
 * (runs/backend-choice.ts), or by name. Small RNNs run up to 7× slower on it than on one wasm
 * core (bench A on an H200), and the experiments and tools that read tensors synchronously
 * cannot run on it.
 */
const BY_CHOICE_ONLY: BackendName[] = ['webgpu'];

/** Package that registers the native 'tensorflow' backend for each native choice. */
const NATIVE_PACKAGE: Partial<Record<BackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

/** What a native backend needs beyond its package's install (which downloads libtensorflow). */
const RUNS_ON: Partial<Record<BackendName, string>> = {
  'tensorflow-gpu': ' and runs on CUDA 11.2 with cuDNN 8.1',
};

function message(err: unknown, name: BackendName): string {
  const text = err instanceof Error ? err.message : String(err);
  const pkg = NATIVE_PACKAGE[name];
  // node's "Cannot find package 'x' imported from /path": say how to get it instead of where it was looked for
  if (pkg && (err as { code?: string } | null)?.code === 'ERR_MODULE_NOT_FOUND' && text.includes(`'${pkg}'`)) {
    return `not installed: \`npm install ${pkg}\` downloads libtensorflow (network)${RUNS_ON[name] ?? ''}`;
  }
  return text.split('\n')[0].replace(/ imported from \S+$/, '').slice(0, 300);
}

/**
 * True when the loaded native TensorFlow runs on a GPU. The binding of tfjs-node(-gpu)
 * exposes `isUsingGpuDevice`, a function in some releases and a boolean in others.
 */
function nativeSeesGpu(): boolean {
  const backend = tf.backend() as unknown as { binding?: { isUsingGpuDevice?: boolean | (() => boolean) } };
  const flag = backend.binding?.isUsingGpuDevice;
  return typeof flag === 'function' ? flag.call(backend.binding) : flag === true;
}

/** The name tfjs registers each of our backends under. */
export function tfBackendName(name: BackendName): string {
  return NATIVE_PACKAGE[name] ? 'tensorflow' : name;
}

async function tryOne(name: BackendName, allowSoftware: boolean): Promise<void> {
  const pkg = NATIVE_PACKAGE[name];
  const expected = tfBackendName(name);
  if (pkg && !tf.findBackend(expected)) await import(/* @vite-ignore */ pkg);
  if (name === 'webgpu') await loadWebgpu(allowSoftware);
  if (!(await tf.setBackend(expected))) throw new Error(`setBackend("${expected}") returned false`);
  await tf.ready();
  const active = tf.getBackend();
  if (active !== expected) throw new Error(`asked for ${expected} but tfjs runs ${active}`);
  // A tiny op proves the kernels load (wasm fails here when its .wasm file is missing);
  // read without blocking, which webgpu cannot do in Node.
  await readScalar(tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(1))));
}

export interface BackendChoice {
  /** Start the search here (e.g. 'wasm' to skip native TensorFlow); default: the fastest. */
  prefer?: BackendName;
  /** Use exactly this backend or fail. */
  only?: BackendName;
}

/** Selects and initialises a backend; never throws while 'cpu' remains. */
export async function initBackend(choice: BackendChoice = {}): Promise<BackendReport> {
  const from = ORDER.slice(ORDER.indexOf(choice.prefer ?? ORDER[0]));
  const candidates = choice.only ? [choice.only] : from.filter((n) => n === choice.prefer || !BY_CHOICE_ONLY.includes(n));
  const tried: BackendReport['tried'] = [];
  for (const name of candidates) {
    try {
      // a software GPU (llvmpipe) only where webgpu is asked for by name
      await tryOne(name, choice.only === 'webgpu');
      if (name === 'webgpu') {
        const adapter = webgpuAdapter()!;
        await startWebgpu();
        return { backend: name, device: adapter.software ? 'cpu' : 'gpu', tried, adapter: adapter.description };
      }
      let device: BackendReport['device'] = name === 'tensorflow-gpu' ? 'gpu' : 'cpu';
      if (name === 'tensorflow-gpu' && !nativeSeesGpu()) {
        tried.push({ name, error: 'tfjs-node-gpu loaded but TensorFlow found no usable GPU (needs CUDA 11.2 and cuDNN 8.1); it runs on the CPU' });
        device = 'cpu';
        return { backend: 'tensorflow', device, tried };
      }
      const simd = name === 'wasm' ? SimdKernels.current()?.gemmVariant : undefined;
      return { backend: name, device, tried, ...(simd ? { simd } : {}) };
    } catch (err) {
      tried.push({ name, error: message(err, name) });
    }
  }
  throw new Error(`no tfjs backend could start: ${tried.map((t) => `${t.name}: ${t.error}`).join('; ')}`);
}

/** One line for people: what runs, and why nothing faster does. */
export function describeBackend(report: BackendReport): string {
  const why = report.tried.map((t) => `${t.name} unavailable (${t.error})`).join('; ');
  const simd = simdText(report);
  const adapter = report.adapter ? ` (${report.adapter})` : '';
  return `backend: ${report.backend} on ${report.device}${adapter}${simd ? `, ${simd}` : ''}${why ? ` — ${why}` : ''}`;
}

/** Whether a GPU answers through webgpu (a software one does not count), without keeping it loaded. */
export async function webgpuStatus(): Promise<{ adapter: string } | { error: string }> {
  try {
    return { adapter: (await loadWebgpu()).description };
  } catch (e) {
    return { error: message(e, 'webgpu') };
  } finally {
    if (tf.getBackend() !== 'webgpu') releaseWebgpu();
  }
}

export function webgpuText(status: { adapter: string } | { error: string }): string {
  return 'adapter' in status ? `webgpu: ${status.adapter}; each run times its model there and on the CPU and keeps the faster` : `webgpu unavailable (${status.error})`;
}
