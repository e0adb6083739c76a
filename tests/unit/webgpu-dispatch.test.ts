/** The step programs' dispatch: every thread covered, within WebGPU's 65,535 workgroups a dimension. */
import { describe, expect, it } from 'vitest';
import { dispatchFor } from '../../main/engine/kernels/webgpu-programs.js';

describe('dispatchFor', () => {
  it.each([1, 64, 65, 32 * 256, 128 * 1024, 65535 * 64, 65535 * 64 + 1, 1024 * 8192])('%i threads: enough workgroups of 64, none past the limit', (threads) => {
    const [x, y, z] = dispatchFor(threads);
    expect(z).toBe(1);
    expect(Math.max(x, y)).toBeLessThanOrEqual(65535);
    expect(x * y * 64).toBeGreaterThanOrEqual(threads);
    // no whole row of workgroups to spare
    expect((x * (y - 1)) * 64).toBeLessThan(threads);
  });
});
