import type { Clock } from '../../ports/clock.js';
import { AppError } from '../../errors.js';

/**
 * Uploads asked for per user per minute, counted per process (a fixed one-minute window).
 * Behind a load balancer each api process counts its own share; the quota is the hard bound.
 */
export function createUploadRate({ perMinute, clock }: { perMinute: number; clock: Clock }) {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    take(userId: string) {
      const now = clock.now().getTime();
      let w = windows.get(userId);
      if (!w || now - w.start >= 60_000) {
        if (windows.size > 10_000) for (const [k, v] of windows) if (now - v.start >= 60_000) windows.delete(k);
        w = { start: now, count: 0 };
        windows.set(userId, w);
      }
      if (w.count >= perMinute) throw new AppError('rate_limited', `at most ${perMinute} uploads a minute`);
      w.count++;
    },
  };
}
