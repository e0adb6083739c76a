/**
 * The 'webgpu' backend in Node: tfjs-backend-webgpu over Dawn's Node binding (the optional
 * `webgpu` package), on Vulkan, Metal or D3D12. Why beside tfjs-node-gpu: that one needs
 * libtensorflow 2.9 with CUDA 11.2 and cuDNN 8.1, which today's CUDA machines do not have; a
 * GPU driver with Vulkan is enough here (measured on an H200 with driver 580).
 *
 * Traps this handles:
 * - Node has no `navigator`: tfjs-backend-webgpu finds the GPU at `navigator.gpu`, so one is
 *   made before the backend's module loads (it registers itself on import).
 * - A software Vulkan (Mesa's llvmpipe) also answers; it is a GPU in name only, slower than
 *   wasm, so it is refused unless asked for (tests use it to run the GPU code path for real).
 * - NVIDIA's Vulkan driver behind GLX cannot start without a display (containers, servers):
 *   the processes that may load this add its EGL entry first (runs/vulkan-env.ts).
 * - Dawn keeps Node alive while `navigator.gpu` is referenced: `releaseWebgpu` lets it exit.
 * - Reads must be asynchronous: tfjs-webgpu's synchronous read needs OffscreenCanvas, which
 *   Node lacks (the training loop awaits every read: reads.ts).
 * - A GPU error (a buffer past the device's limits, a lost device) only logs, and the work after
 *   it computes garbage: `watchWebgpuDevice` keeps the first one for the training loop to fail on.
 */
import * as tf from '@tensorflow/tfjs';

/** What the adapter says about itself, for the backend line. */
export interface GpuAdapterInfo {
  vendor: string;
  description: string;
  software: boolean;
}

let adapterInfo: GpuAdapterInfo | null = null;

/** The adapter webgpu runs on, once loaded. */
export function webgpuAdapter(): GpuAdapterInfo | null {
  return adapterInfo;
}

const NO_ADAPTER =
  'no WebGPU adapter answered (Vulkan: is libvulkan1 installed, and a GPU driver with Vulkan?' +
  ' A headless NVIDIA machine may need VK_ICD_FILENAMES naming a manifest for libEGL_nvidia.so.0)';

/** The adapter of a fresh Dawn instance, or null (Dawn prints why on stderr). */
async function firstAdapter(create: (flags: string[]) => GPU): Promise<{ gpu: GPU; adapter: GPUAdapter } | null> {
  const gpu = create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  return adapter ? { gpu, adapter } : null;
}

/**
 * Loads Dawn and tfjs-backend-webgpu and registers the 'webgpu' backend; throws (with the
 * reason) where there is no usable GPU. `allowSoftware`: accept a CPU-emulated adapter.
 */
export async function loadWebgpu(allowSoftware = false): Promise<GpuAdapterInfo> {
  if (adapterInfo && registered()) return adapterInfo;
  const { create, globals } = (await import(/* @vite-ignore */ 'webgpu').catch((e: { code?: string }) => {
    // an optional dependency: say what installs it rather than where node looked
    throw e?.code === 'ERR_MODULE_NOT_FOUND' ? new Error('not installed: `npm install webgpu @tensorflow/tfjs-backend-webgpu` (prebuilt, no download beyond npm)') : e;
  })) as { create: (flags: string[]) => GPU; globals: object };
  const scope = globalThis as { navigator?: { gpu?: GPU } };
  const found = await firstAdapter(create);
  if (!found) throw new Error(NO_ADAPTER);
  const { gpu, adapter } = found;
  const info = adapter.info;
  const software = info.architecture === 'software' || /llvmpipe|lavapipe|swiftshader/i.test(`${info.device} ${info.description}`);
  if (software && !allowSoftware) throw new Error(`only a software adapter (${info.description || info.device}), slower than wasm`);
  // tfjs-backend-webgpu reads the GPU classes (GPUBufferUsage, …) and navigator.gpu as globals
  for (const [name, value] of Object.entries(globals)) if (!(name in globalThis)) Object.assign(globalThis, { [name]: value });
  if (!scope.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  scope.navigator!.gpu = gpu;
  await import(/* @vite-ignore */ '@tensorflow/tfjs-backend-webgpu');
  if (!registered()) throw new Error('webgpu ran in this process and was released; it starts once per process');
  adapterInfo = { vendor: info.vendor, description: info.description || info.device, software };
  return adapterInfo;
}

/**
 * Lets the process exit and the GPU go (Dawn keeps Node alive while its instance is referenced).
 * A backend that never started stays registered, so webgpu can load again (its module registers
 * it only once); one that ran is removed with its device.
 */
export function releaseWebgpu(): void {
  if (tf.getBackend() === 'webgpu') throw new Error('release webgpu only after switching to another backend');
  // (tf.findBackend would start a registered backend, on a GPU about to be let go)
  if ('webgpu' in tf.engine().registry) tf.removeBackend('webgpu');
  const scope = globalThis as { navigator?: { gpu?: GPU } };
  if (scope.navigator?.gpu) delete scope.navigator.gpu;
  adapterInfo = null;
}

function registered(): boolean {
  return 'webgpu' in tf.engine().registryFactory;
}

/** The GPU device tfjs-webgpu runs on (undefined where webgpu is not the backend in use). */
export function webgpuDevice(): GPUDevice | undefined {
  return (tf.backend() as unknown as { device?: GPUDevice }).device;
}

let failure: string | null = null;
const watched = new WeakSet<object>();

/**
 * Listens to the device tfjs-webgpu runs on (call with webgpu the backend in use): its first
 * uncaptured error, or its loss, is kept for `webgpuFailure`. tfjs-webgpu does not listen itself.
 */
export function watchWebgpuDevice(): void {
  const device = webgpuDevice();
  if (!device || watched.has(device)) return;
  watched.add(device);
  device.addEventListener('uncapturederror', (e) => {
    failure ??= (e as GPUUncapturedErrorEvent).error.message.split('\n')[0];
  });
  void device.lost.then((info) => {
    if (info.reason !== 'destroyed') failure ??= `the GPU device was lost (${info.message || info.reason})`;
  });
}

/** The first error the GPU reported since webgpu started or the last `forgetWebgpuFailure`, or null. */
export function webgpuFailure(): string | null {
  return failure;
}

/** A run starts: errors from work before it (a calibration's trial steps) are not its own. */
export function forgetWebgpuFailure(): void {
  failure = null;
}
