/**
 * Lets Dawn (the webgpu backend) find an NVIDIA GPU on a machine without a display.
 *
 * NVIDIA's Vulkan driver manifest names its GLX library, whose vkCreateInstance is not found
 * without an X display ("Found no drivers!": servers, containers). The same driver answers
 * through its EGL library, which needs none (measured on an H200, driver 580, in a container).
 * The Vulkan loader reads extra manifests from VK_ADD_DRIVER_FILES (loader ≥ 1.3.234) when it
 * makes an instance, so a process that may load webgpu calls this first.
 */
import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What glvnd installs with NVIDIA's driver, in containers too: the sign that its EGL library is there. */
const NVIDIA_EGL_VENDOR = '/usr/share/glvnd/egl_vendor.d/10_nvidia.json';

const MANIFEST = { file_format_version: '1.0.1', ICD: { library_path: 'libEGL_nvidia.so.0', api_version: '1.3.0' } };

/**
 * Adds a manifest for NVIDIA's EGL library where there is no display and nobody chose Vulkan
 * drivers already; returns its path, or null where nothing was done.
 */
export function useHeadlessNvidiaVulkan(env: NodeJS.ProcessEnv = process.env, vendorFile = NVIDIA_EGL_VENDOR): string | null {
  if (process.platform !== 'linux' || env.DISPLAY || env.WAYLAND_DISPLAY) return null;
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES || env.VK_ADD_DRIVER_FILES || !existsSync(vendorFile)) return null;
  const file = join(tmpdir(), 'rnn-workbench-nvidia-egl-icd.json');
  try {
    // written whole, then renamed: a process starting beside this one never reads half a file
    const part = `${file}.${process.pid}`;
    writeFileSync(part, JSON.stringify(MANIFEST));
    renameSync(part, file);
  } catch {
    return null; // an unwritable temp folder: webgpu then says it found no adapter
  }
  env.VK_ADD_DRIVER_FILES = file;
  return file;
}

/**
 * Whether this machine shows a GPU at all (Linux: a DRM render node, or NVIDIA's device). Why:
 * every run on wasm would otherwise load Dawn only to learn there is none: measured 11–48 ms and,
 * where Mesa's software Vulkan is installed, 62 MB that stay mapped for the whole run, plus a
 * native driver's risk to the run's process. Elsewhere (macOS, Windows) Dawn is asked.
 */
export function gpuDevicePresent(dev = '/dev'): boolean {
  if (process.platform !== 'linux') return true;
  if (existsSync(join(dev, 'nvidia0'))) return true;
  try {
    return readdirSync(join(dev, 'dri')).some((name) => name.startsWith('renderD'));
  } catch {
    return false;
  }
}

export const NO_GPU_DEVICE = 'no GPU device here (no /dev/dri render node, no /dev/nvidia0)';
