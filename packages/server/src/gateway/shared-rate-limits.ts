import { RateLimiter } from './rate-limiter.js';

/**
 * One token bucket per key (a user), shared by every connection that holds it, so a user's
 * request rate is the same whether they open one socket or twenty. A bucket lives while
 * at least one connection holds it.
 */
export function createSharedRateLimits(ratePerSec: number, burst: number) {
  const buckets = new Map<string, { limiter: RateLimiter; holders: number }>();
  return {
    acquire(key: string): RateLimiter {
      let bucket = buckets.get(key);
      if (!bucket) buckets.set(key, (bucket = { limiter: new RateLimiter(ratePerSec, burst), holders: 0 }));
      bucket.holders++;
      return bucket.limiter;
    },
    release(key: string): void {
      const bucket = buckets.get(key);
      if (bucket && --bucket.holders === 0) buckets.delete(key);
    },
  };
}

export type SharedRateLimits = ReturnType<typeof createSharedRateLimits>;
