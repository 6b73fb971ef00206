import type { Clock } from '../../ports/clock.js';
import { AppError } from '../../errors.js';

export interface LoginThrottleOptions {
  clock: Clock;
  /** Failures allowed per key before the lockout starts. */
  freeFailures: number;
  /** The first lockout; each further failure doubles it, up to `maxLockoutMs`. */
  baseLockoutMs: number;
  maxLockoutMs: number;
  /** A key's failures are forgotten this long after its last one. */
  windowMs: number;
  /** Keys kept at most (oldest dropped first), so a spray of usernames cannot grow memory without bound. */
  maxKeys?: number;
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;

interface Entry {
  failures: number;
  lastFailureMs: number;
  lockedUntilMs: number;
}

/**
 * Exponential lockout per key (the client IP, and the username as typed, lowercased). The
 * username key exists whether or not the account does, so throttling never tells an
 * attacker which usernames are real. While a key is locked even the right password is
 * refused: the answer cannot be used as an oracle.
 */
export function createLoginThrottle({ clock, freeFailures, baseLockoutMs, maxLockoutMs, windowMs, maxKeys = 100_000 }: LoginThrottleOptions) {
  const entries = new Map<string, Entry>();

  function live(key: string, now: number): Entry | undefined {
    const entry = entries.get(key);
    if (entry && now - entry.lastFailureMs >= windowMs && now >= entry.lockedUntilMs) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  return {
    /** Throws `rate_limited` while any of the keys is locked. */
    check(keys: readonly string[]) {
      const now = clock.now().getTime();
      let until = 0;
      for (const key of keys) until = Math.max(until, live(key, now)?.lockedUntilMs ?? 0);
      if (until > now) {
        throw new AppError('rate_limited', 'too many failed attempts; try again later', Math.ceil((until - now) / 1000));
      }
    },
    failed(keys: readonly string[]) {
      const now = clock.now().getTime();
      for (const key of keys) {
        const entry = live(key, now) ?? { failures: 0, lastFailureMs: now, lockedUntilMs: 0 };
        entry.failures++;
        entry.lastFailureMs = now;
        const over = entry.failures - freeFailures;
        if (over > 0) entry.lockedUntilMs = now + Math.min(maxLockoutMs, baseLockoutMs * 2 ** Math.min(over - 1, 30));
        entries.delete(key);
        entries.set(key, entry);
        if (entries.size > maxKeys) entries.delete(entries.keys().next().value!);
      }
    },
    succeeded(keys: readonly string[]) {
      for (const key of keys) entries.delete(key);
    },
  };
}
