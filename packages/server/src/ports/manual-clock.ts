import type { Clock } from './clock.js';

/** A Clock that moves only when told to: tests of leases and expiry run without waiting. */
export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function createManualClock(start = Date.parse('2026-01-01T00:00:00.000Z')): ManualClock {
  let now = start;
  return {
    now: () => new Date(now),
    nowIso: () => new Date(now).toISOString(),
    advance(ms: number) {
      now += ms;
    },
  };
}
