import type { Clock } from '../ports/clock.js';
import { AppError } from '../errors.js';

export type HourlyQuota = ReturnType<typeof createHourlyQuota>;

/**
 * A per-key budget that refills over a sliding hour (a token bucket with `perHour`
 * capacity). Kept per process: with several api processes a user gets at most that many
 * times the budget, which still bounds the abuse it exists for.
 */
export function createHourlyQuota({ clock, perHour, what }: { clock: Clock; perHour: number; what: string }) {
  const hourMs = 3_600_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** Takes `n` from `key`'s budget or throws `rate_limited` (taking nothing). */
    take(key: string, n = 1) {
      const now = clock.now().getTime();
      const bucket = buckets.get(key) ?? { tokens: perHour, at: now };
      bucket.tokens = Math.min(perHour, bucket.tokens + ((now - bucket.at) * perHour) / hourMs);
      bucket.at = now;
      if (bucket.tokens < n) {
        buckets.set(key, bucket);
        const waitMs = Math.ceil(((n - bucket.tokens) * hourMs) / perHour);
        throw new AppError('rate_limited', `too many ${what}; at most ${perHour} an hour`, waitMs);
      }
      bucket.tokens -= n;
      // A full bucket is the default: forget it, so idle users cost no memory.
      if (bucket.tokens >= perHour) buckets.delete(key);
      else buckets.set(key, bucket);
    },
  };
}
