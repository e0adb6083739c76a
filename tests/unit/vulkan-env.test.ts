/** useHeadlessNvidiaVulkan: NVIDIA's EGL entry is added for the Vulkan loader only where it helps. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gpuDevicePresent, useHeadlessNvidiaVulkan } from '../../main/runs/vulkan-env.js';

const dir = mkdtempSync(join(tmpdir(), 'rnnwb-vulkan-'));
const vendor = join(dir, '10_nvidia.json');
writeFileSync(vendor, '{"file_format_version":"1.0.0","ICD":{"library_path":"libEGL_nvidia.so.0"}}');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(process.platform !== 'linux')('useHeadlessNvidiaVulkan', () => {
  it('without a display, adds a manifest naming libEGL_nvidia.so.0 with an API version (through glvnd\'s own file, which has none, the loader found no driver on the H200)', () => {
    const env: NodeJS.ProcessEnv = {};
    const file = useHeadlessNvidiaVulkan(env, vendor);
    expect(file).not.toBeNull();
    expect(env.VK_ADD_DRIVER_FILES).toBe(file);
    expect(JSON.parse(readFileSync(file!, 'utf8'))).toEqual({ file_format_version: '1.0.1', ICD: { library_path: 'libEGL_nvidia.so.0', api_version: '1.3.0' } });
  });
  it.each([
    ['a display', { DISPLAY: ':0' }],
    ['a Wayland display', { WAYLAND_DISPLAY: 'wayland-0' }],
    ['drivers chosen by the user', { VK_ICD_FILENAMES: '/etc/vulkan/icd.d/mine.json' }],
    ['drivers added by the user', { VK_ADD_DRIVER_FILES: '/etc/vulkan/icd.d/mine.json' }],
  ])('does nothing with %s', (_, given: NodeJS.ProcessEnv) => {
    const env = { ...given };
    expect(useHeadlessNvidiaVulkan(env, vendor)).toBeNull();
    expect(env).toEqual(given);
  });
  it('does nothing where NVIDIA\'s EGL library is not installed', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(useHeadlessNvidiaVulkan(env, join(dir, 'absent.json'))).toBeNull();
    expect(env).toEqual({});
  });
});

describe.skipIf(process.platform !== 'linux')('gpuDevicePresent', () => {
  it('sees a DRM render node or NVIDIA\'s device, and nothing else', () => {
    const dev = join(dir, 'dev');
    mkdirSync(join(dev, 'dri'), { recursive: true });
    writeFileSync(join(dev, 'dri', 'card0'), ''); // a display-only card is no compute device
    expect(gpuDevicePresent(dev)).toBe(false);
    writeFileSync(join(dev, 'dri', 'renderD128'), '');
    expect(gpuDevicePresent(dev)).toBe(true);
    const nvidia = join(dir, 'dev-nvidia');
    mkdirSync(nvidia);
    expect(gpuDevicePresent(nvidia)).toBe(false);
    writeFileSync(join(nvidia, 'nvidia0'), '');
    expect(gpuDevicePresent(nvidia)).toBe(true);
  });
});
