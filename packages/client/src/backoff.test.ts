import { describe, expect, it } from 'vitest';
import { Limits } from '@chatchat/protocol';
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

  it("follows the server's retryAfterMs slot, with up to initialMs of jitter and the protocol's cap", () => {
    const b = createBackoff({ random: () => 0.5 });
    // A slot far beyond the grown cap is honoured (an earlier retry would be refused again)...
    expect(b.next(30_000)).toBe(30_125);
    // ...one inside it is kept too, rather than a blind draw around it.
    expect(b.next(40)).toBe(165);
    expect(b.next(10 * Limits.maxRetryAfterMs)).toBe(Limits.maxRetryAfterMs + 125);
    // The attempts still count, so a later failure without a slot backs off as it would have.
    expect(b.attempt).toBe(3);
    expect(b.next()).toBe(1000);
  });
});
