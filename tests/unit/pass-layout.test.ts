/** Which layout a recurrence's webgpu pass takes (the rule measured on an H100), and the override the bench and the checks use. */
import { afterEach, describe, expect, it } from 'vitest';
import { passLayout, useWebgpuLayout, withLayout } from '../../main/engine/kernels/pass-layout.js';

describe('passLayout', () => {
  afterEach(() => useWebgpuLayout('auto'));

  it('keeps a dispatch a pass for narrow models, and takes a dispatch a step from 512 units, or 256 at batch 128', () => {
    const at = (B: number, d: number) => passLayout(B, d);
    expect([at(32, 128), at(128, 128), at(32, 256), at(64, 256), at(128, 256), at(32, 512), at(1, 1024), at(128, 1024)]).toEqual(['pass', 'pass', 'pass', 'pass', 'step', 'step', 'step', 'step']);
  });

  it('a forced layout holds for every size, and withLayout gives the choice back after', () => {
    useWebgpuLayout('step');
    expect(passLayout(32, 8)).toBe('step');
    useWebgpuLayout('auto');
    expect(withLayout('step', () => passLayout(32, 8))).toBe('step');
    expect(passLayout(32, 8)).toBe('pass');
    expect(() => withLayout('pass', () => { throw new Error('inside'); })).toThrow('inside');
    expect(passLayout(1, 1024)).toBe('step');
  });
});
