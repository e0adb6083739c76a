/** What a run says while its data loads (runs/load-notices.ts), on a clock the test moves. */
import { describe, expect, it } from 'vitest';
import { LoadNotices } from '../../main/runs/load-notices.js';

function clocked(quietMs?: number) {
  let t = 0;
  const said: string[] = [];
  const notices = new LoadNotices((m) => said.push(m), quietMs, () => t);
  return { notices, said, at: (ms: number) => void (t = ms) };
}

describe('LoadNotices', () => {
  it('a load that ends within the quiet second says nothing at all', () => {
    const { notices, said, at } = clocked();
    notices.note('reading a.tsv', true);
    at(400);
    notices.note('reading a.tsv: 50 %');
    notices.note('preparing 10 rows of a.tsv', true);
    at(999);
    notices.done('data ready');
    expect(said).toEqual([]);
  });

  it('past the quiet second: every phase, progress at most once a second, and the end', () => {
    const { notices, said, at } = clocked();
    at(1200);
    notices.note('reading a.tsv: 30 %');
    at(1700);
    notices.note('reading a.tsv: 50 %'); // half a second after the last: not said
    notices.note('parsing a.tsv', true); // a phase is said at once
    at(2300);
    notices.note('parsing a.tsv: more'); // 0.6 s after the phase
    at(2800);
    notices.note('parsing a.tsv: still'); // 1.1 s after it
    at(4500);
    notices.done(`data ready in ${notices.seconds.toFixed(1)} s`);
    expect(said).toEqual(['reading a.tsv: 30 %', 'parsing a.tsv', 'parsing a.tsv: still', 'data ready in 4.5 s']);
  });

  it('a file known to be large is announced from the start', () => {
    const { notices, said, at } = clocked(0);
    notices.note('reading big.tsv', true);
    at(300);
    notices.note('reading big.tsv: 40 %');
    notices.note('parsing big.tsv', true);
    at(500);
    notices.done('data ready in 0.5 s');
    expect(said).toEqual(['reading big.tsv', 'parsing big.tsv', 'data ready in 0.5 s']);
  });
});
