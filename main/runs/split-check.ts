/**
 * auto's check on the user's own machine. parallel-plan.ts decides from thresholds measured on
 * one 2-core machine; a run that auto splits then times the two ways for itself: a split step
 * and a one-thread step give the same update (up to float rounding), so after a warm-up it
 * alternates them for a few steps and keeps the faster. No step is wasted.
 */

export interface SplitDecision {
  keepSplit: boolean;
  /** median ms a step, each way */
  splitMs: number;
  oneMs: number;
}

export interface SplitCheckOptions {
  /** split steps first, until both this long and this many steps have passed (V8 compiles the hot wasm meanwhile, on every thread) */
  warmupMs: number;
  warmupSteps: number;
  /** timed steps each way */
  samples: number;
  /** one thread must be this much faster (fraction) before a run gives up its threads: timings here drift by ±10–25 % */
  margin: number;
}

const DEFAULTS: SplitCheckOptions = { warmupMs: 1500, warmupSteps: 4, samples: 5, margin: 0.1 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export class SplitCheck {
  private readonly opts: SplitCheckOptions;
  private readonly times: Record<'split' | 'one', number[]> = { split: [], one: [] };
  private firstAt: number | null = null;
  private warmSteps = 0;
  private decided: SplitDecision | null = null;

  constructor(opts: Partial<SplitCheckOptions> = {}) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  private warm(now: number): boolean {
    return this.firstAt !== null && this.warmSteps >= this.opts.warmupSteps && now - this.firstAt >= this.opts.warmupMs;
  }

  /** How to run the next step (split until warm, then one thread and split in turn). */
  next(now: number): 'split' | 'one' {
    if (this.decided) return this.decided.keepSplit ? 'split' : 'one';
    if (!this.warm(now)) return 'split';
    return this.times.one.length <= this.times.split.length ? 'one' : 'split';
  }

  /** A step's wall time, as run by next()'s answer; the decision once every sample is in. */
  record(kind: 'split' | 'one', ms: number, now: number): SplitDecision | null {
    if (this.decided) return this.decided;
    this.firstAt ??= now - ms;
    if (!this.warm(now) || (kind === 'split' && this.times.one.length === 0)) {
      // still warming up (the step that ends the warm-up is not a sample either)
      this.warmSteps++;
      return null;
    }
    this.times[kind].push(ms);
    if (this.times.split.length < this.opts.samples || this.times.one.length < this.opts.samples) return null;
    const [splitMs, oneMs] = [median(this.times.split), median(this.times.one)];
    this.decided = { keepSplit: oneMs >= splitMs * (1 - this.opts.margin), splitMs, oneMs };
    return this.decided;
  }

  decision(): SplitDecision | null {
    return this.decided;
  }
}

/** The sentence a run reports once the check is done. */
export function splitCheckReason(d: SplitDecision, threads: number): string {
  const timed = `measured on this run: ${d.splitMs.toFixed(1)} ms a step split, ${d.oneMs.toFixed(1)} ms on one thread`;
  return d.keepSplit ? `${threads} threads, each step's batch split across them (${timed})` : `one thread: splitting did not pay here (${timed})`;
}
