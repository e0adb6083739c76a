/** Float32-vs-float64 comparison: |a − e| ≤ atol + rtol·|e| elementwise, with a useful failure message. */
import { expect } from 'vitest';
import { flat, type Nested } from './fixtures.js';

export const F32 = { rtol: 1e-5, atol: 1e-6 };

export function expectClose(actual: ArrayLike<number> | number, expected: Nested, tol = F32, what = 'value'): void {
  const a = typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = flat(expected);
  expect(a.length, `${what}: element count`).toBe(e.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < e.length; i++) {
    const excess = Math.abs(a[i] - e[i]) - (tol.atol + tol.rtol * Math.abs(e[i]));
    if (!(excess <= worstExcess)) {
      worstExcess = Number.isNaN(excess) ? Infinity : excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    expect.fail(`${what}[${worst}] = ${a[worst]}, expected ${e[worst]} (|diff| ${Math.abs(a[worst] - e[worst]).toExponential(2)}, tol rtol ${tol.rtol} atol ${tol.atol})`);
  }
}
