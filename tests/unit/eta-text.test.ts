import { describe, expect, it } from 'vitest';
import { etaText } from '../../main/contract.js';

describe('etaText (the CLI progress line and the Train view)', () => {
  it('is the steps left at the latest rate, as m:ss or XhYYm', () => {
    expect(etaText(5, 4210, 48.1)).toBe('1:27'); // 4205 / 48.1 = 87.4 s
    expect(etaText(0, 600, 10)).toBe('1:00');
    expect(etaText(0, 7200, 1)).toBe('2h00m');
    expect(etaText(100, 4000, 1)).toBe('1h05m');
    expect(etaText(4210, 4210, 150)).toBe('0:00');
  });
  it('is empty until there is a rate or a total', () => {
    expect(etaText(0, 100, 0)).toBe('');
    expect(etaText(3, 0, 20)).toBe('');
    expect(etaText(3, 100, Number.NaN)).toBe('');
  });
});
