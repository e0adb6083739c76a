/**
 * Which layout the recurrences' webgpu programs run a pass in (webgpu-programs.ts): the rule by
 * size, and the override the bench, the tests and the programs' checks use. No tfjs here, so
 * that the bench command can ask without loading it.
 */

/** How a recurrence's pass runs on the GPU (webgpu-programs.ts). */
export type PassLayout = 'pass' | 'step';
export const PASS_LAYOUTS: readonly PassLayout[] = ['pass', 'step'];

let layoutChoice: PassLayout | 'auto' = 'auto';

/** Forces a layout (the bench, the tests, the checks), or gives the choice back to the sizes ('auto'). */
export function useWebgpuLayout(layout: PassLayout | 'auto'): void {
  layoutChoice = layout;
}

/**
 * When a dispatch a step beats a dispatch a pass. On an H100, a forward + backward of 100 steps,
 * pass against step (ms; tanh, GRU and LSTM): d 128: 2.4–12 against 12–18; d 256, batch 32:
 * 13–15 against 14–17, batch 128: 18–27 against 14–25; d 512: 40–66 against 22–48 and d 1,024:
 * 155–288 against 42–106 (batch 32 and 128). So from 512 units, and from 256 at batch 128.
 */
const STEP_FROM_UNITS = 512;
const STEP_FROM_UNITS_WIDE_BATCH = { units: 256, batch: 128 };

/**
 * The layout a pass over B sequences of d units takes: 'step' once a step is wide enough that
 * more threads beat fewer dispatches.
 */
export function passLayout(B: number, d: number): PassLayout {
  if (layoutChoice !== 'auto') return layoutChoice;
  const wide = d >= STEP_FROM_UNITS || (d >= STEP_FROM_UNITS_WIDE_BATCH.units && B >= STEP_FROM_UNITS_WIDE_BATCH.batch);
  return wide ? 'step' : 'pass';
}

/** Runs `f` with `layout` forced, then restores the choice before it. */
export function withLayout<R>(layout: PassLayout, f: () => R): R {
  const before = layoutChoice;
  layoutChoice = layout;
  try {
    return f();
  } finally {
    layoutChoice = before;
  }
}
