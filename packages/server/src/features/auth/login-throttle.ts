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
export function createLoginThrottle({
  clock,
  freeFailures,
  baseLockoutMs,
  maxLockoutMs,
  windowMs,
  maxKeys = 100_000,
}: LoginThrottleOptions) {
  const entries = new Map<string, Entry>();

  function live(key: string, now: number): Entry | undefined {
    const entry = entries.get(key);
    if (entry && now - entry.lastFailureMs >= windowMs && now >= entry.lockedUntilMs) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  const refuse = (untilMs: number, now: number) => new AppError('rate_limited', 'too many failed attempts; try again later', untilMs - now);

  function lockFor(entry: Entry, now: number) {
    const over = entry.failures - freeFailures;
    entry.lockedUntilMs = over > 0 ? now + Math.min(maxLockoutMs, baseLockoutMs * 2 ** Math.min(over - 1, 30)) : 0;
  }

  return {
    /**
     * Counts the attempt as a failure before the password is checked, so that a burst in
     * flight at once cannot get more than the free attempts to argon2; `succeeded` takes
     * it back. Past the free attempts each one locks the key at once (doubling), so after
     * a lockout exactly one attempt gets through. Throws `rate_limited` while a key is locked.
     */
    begin(keys: readonly string[]) {
      const now = clock.now().getTime();
      for (const key of keys) {
        const until = live(key, now)?.lockedUntilMs ?? 0;
        if (until > now) throw refuse(until, now);
      }
      for (const key of keys) {
        const entry = live(key, now) ?? { failures: 0, lastFailureMs: now, lockedUntilMs: 0 };
        entry.failures++;
        entry.lastFailureMs = now;
        lockFor(entry, now);
        entries.delete(key);
        entries.set(key, entry);
        if (entries.size > maxKeys) entries.delete(entries.keys().next().value!);
      }
    },
    /** The attempt was right: forget `forget` (the account), take the attempt back from the others. */
    succeeded(forget: readonly string[], takeBack: readonly string[] = []) {
      const now = clock.now().getTime();
      for (const key of forget) entries.delete(key);
      for (const key of takeBack) {
        const entry = live(key, now);
        if (!entry) continue;
        entry.failures = Math.max(0, entry.failures - 1);
        if (entry.failures <= freeFailures) entry.lockedUntilMs = 0;
      }
    },
  };
}
