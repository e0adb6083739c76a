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
 * Units from which a dispatch a step beats a dispatch a pass. On an H100, a forward + backward of
 * 100 steps, pass against step: d 256 13–27 against 14–25 ms (either wins, by up to 22 %),
 * d 512 40–66 against 22–48 ms, d 1,024 155–288 against 42–106 ms (tanh, GRU, LSTM; batch 32
 * and 128); d 128 2.4–12 against 12–18 ms.
 */
const STEP_LAYOUT_FROM = 512;

/**
 * The layout a pass over sequences of d units takes: 'step' once a sequence's step is wide
 * enough that more threads beat fewer dispatches.
 */
export function passLayout(d: number): PassLayout {
  if (layoutChoice !== 'auto') return layoutChoice;
  return d >= STEP_LAYOUT_FROM ? 'step' : 'pass';
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
