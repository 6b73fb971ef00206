import { describe, expect, it } from 'vitest';
import { createBackoff } from './backoff.js';

describe('createBackoff', () => {
  it('caps grow 250, 500, 1000 … up to 10 000 ms with full jitter', () => {
    const highs = createBackoff({ random: () => 0.999999 });
    const caps = Array.from({ length: 10 }, () => highs.next());
    expect(caps).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000, 10_000, 10_000]);
    const lows = createBackoff({ random: () => 0 });
    expect(Array.from({ length: 5 }, () => lows.next())).toEqual([0, 0, 0, 0, 0]);
  });

  it('stays within [0, cap] for random draws and never exceeds the cap even if random returns 1', () => {
    const b = createBackoff({ initialMs: 100, maxMs: 1000 });
    for (let i = 0; i < 200; i++) {
      const cap = Math.min(1000, 100 * 2 ** b.attempt);
      const d = b.next();
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(cap);
    }
    expect(createBackoff({ random: () => 1 }).next()).toBe(250);
  });

  it('reset starts over from the initial cap', () => {
    const b = createBackoff({ random: () => 0.999999 });
    b.next();
    b.next();
    b.next();
    expect(b.attempt).toBe(3);
    b.reset();
    expect(b.attempt).toBe(0);
    expect(b.next()).toBe(250);
  });

  it('survives huge attempt counts (2^n overflow)', () => {
    const b = createBackoff({ random: () => 0.5 });
    for (let i = 0; i < 2000; i++) b.next();
    expect(b.next()).toBe(5000);
  });
});
