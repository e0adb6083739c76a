/** The sequence programs' workgroups: one per sequence, of a power of two of threads near d, within WebGPU's default limit. */
import { describe, expect, it } from 'vitest';
import { workgroupThreads } from '../../main/engine/kernels/webgpu-programs.js';

describe('workgroupThreads', () => {
  it.each([
    [1, 32],
    [5, 32],
    [33, 64],
    [64, 64],
    [128, 128],
    [129, 256],
    [256, 256],
    [300, 256],
    [1024, 256],
  ])('d %i: %i threads', (d, threads) => {
    expect(workgroupThreads(d)).toBe(threads);
  });
});
