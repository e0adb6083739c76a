/** auto's timing of split against one thread (runs/split-check.ts), on given step times. */
import { describe, expect, it } from 'vitest';
import { SplitCheck, splitCheckReason } from '../../main/runs/split-check.js';

/** Runs the check with fixed step times until it decides; returns the decision and the ways taken. */
function run(splitMs: number, oneMs: number, opts = {}) {
  const check = new SplitCheck({ warmupMs: 100, warmupSteps: 3, samples: 3, margin: 0.1, ...opts });
  let now = 0;
  const ways: string[] = [];
  for (let i = 0; i < 100 && !check.decision(); i++) {
    const way = check.next(now);
    ways.push(way);
    const ms = way === 'split' ? splitMs : oneMs;
    now += ms;
    check.record(way, ms, now);
  }
  return { decision: check.decision(), ways };
}

describe('SplitCheck', () => {
  it('splits through the warm-up (time and steps), then alternates one thread and split', () => {
    const { ways } = run(30, 40);
    // 30 ms steps: 4 steps pass 100 ms; the warm-up's last step is not a sample
    expect(ways.slice(0, 4)).toEqual(['split', 'split', 'split', 'split']);
    expect(ways.slice(4)).toEqual(['one', 'split', 'one', 'split', 'one', 'split']);
  });
  it('keeps splitting when split is faster, or one thread is faster by less than the margin', () => {
    expect(run(30, 40).decision).toEqual({ keepSplit: true, splitMs: 30, oneMs: 40 });
    expect(run(30, 28).decision?.keepSplit).toBe(true);
  });
  it('gives up the threads when one thread is clearly faster, and says so with the timings', () => {
    const d = run(30, 20).decision!;
    expect(d).toEqual({ keepSplit: false, splitMs: 30, oneMs: 20 });
    expect(splitCheckReason(d, 2)).toBe('one thread: splitting did not pay here (measured on this run: 30.0 ms a step split, 20.0 ms on one thread)');
    expect(splitCheckReason({ keepSplit: true, splitMs: 20, oneMs: 30 }, 4)).toBe("4 threads, each step's batch split across them (measured on this run: 20.0 ms a step split, 30.0 ms on one thread)");
  });
  it('takes medians: one slow outlier step does not decide', () => {
    const check = new SplitCheck({ warmupMs: 0, warmupSteps: 1, samples: 3, margin: 0.1 });
    let now = 0;
    const times = { split: [10, 10, 90, 10], one: [20, 20, 20] };
    while (!check.decision()) {
      const way = check.next(now);
      const ms = times[way].shift()!;
      now += ms;
      check.record(way, ms, now);
    }
    expect(check.decision()).toEqual({ keepSplit: true, splitMs: 10, oneMs: 20 });
  });
});
