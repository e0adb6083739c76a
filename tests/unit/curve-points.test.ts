/** The Charts view's length curve: each point's tooltip says how many examples it scored and, for a file's bucket, which lengths. */
import { describe, expect, it } from 'vitest';
import type { LengthPoint } from '../../main/contract.js';
import { curvePoint, curvePointLabel } from '../../renderer/src/curve-points.js';

describe('the length curve’s points', () => {
  it('a bucket’s point gives its count and lengths, a task’s exact length its count alone, and an older curve’s point (no lengths kept) its count', () => {
    const points: LengthPoint[] = [
      { length: 10, status: 'ok', loss: 0.6, metric: 0.75, n: 9, shortest: 10, longest: 10 },
      { length: 20, status: 'ok', loss: 0.7, metric: 0.5, n: 6, shortest: 11, longest: 12 },
      { length: 50, status: 'ok', loss: 0.7, metric: 0.25, n: 4 },
    ];
    expect(points.map((p) => curvePointLabel('accuracy', curvePoint(p, p.metric!)))).toEqual(['accuracy 0.750 (n=9)', 'accuracy 0.500 (n=6, lengths 11–12)', 'accuracy 0.250 (n=4)']);
    expect(curvePoint(points[1], 0.7)).toEqual({ x: 20, y: 0.7, n: 6, shortest: 11, longest: 12 });
  });
});
