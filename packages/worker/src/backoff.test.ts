import { describe, expect, it } from 'vitest';
import { createBackoff } from './backoff.js';

describe('createBackoff', () => {
  it('doubles from 250 ms up to the 5 s cap, jittered within [base/2, base]', () => {
    const low = createBackoff({ random: () => 0 });
    const high = createBackoff({ random: () => 0.999999 });
    const lows = Array.from({ length: 8 }, () => low.next());
    const highs = Array.from({ length: 8 }, () => high.next());
    expect(lows).toEqual([125, 250, 500, 1000, 2000, 2500, 2500, 2500]);
    expect(highs).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('never goes below half the base, however the dice fall', () => {
    const backoff = createBackoff();
    for (let i = 0; i < 100; i++) expect(backoff.next()).toBeGreaterThanOrEqual(125);
  });

  it('starts small again after reset', () => {
    const backoff = createBackoff({ initialMs: 100, maxMs: 1000, random: () => 0.5 });
    backoff.next();
    backoff.next();
    expect(backoff.next()).toBe(300);
    backoff.reset();
    expect(backoff.next()).toBe(75);
  });

  it('keeps delays finite after many failures', () => {
    const backoff = createBackoff({ random: () => 1 });
    for (let i = 0; i < 2000; i++) backoff.next();
    expect(backoff.next()).toBe(5000);
  });
});
