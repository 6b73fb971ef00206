import { Limits } from '@chatchat/protocol';

export interface BackoffOptions {
  /** First delay cap, in ms. Default 250. */
  initialMs?: number;
  /** Largest delay cap, in ms. Default 10 000. */
  maxMs?: number;
  /** Injectable for tests; defaults to Math.random. */
  random?: () => number;
}

export interface Backoff {
  /**
   * Delay before the next attempt: uniform in [0, min(maxMs, initialMs * 2^attempt)]. With the
   * server's `retryAfterMs` (a refusal that says when to come back), that slot plus a jitter of
   * up to `initialMs` instead: the server spaced its slots already, and an earlier retry is
   * refused again. The attempt still counts, so a failure without a slot keeps growing.
   */
  next(retryAfterMs?: number): number;
  /** Call after a stable connection so the next failure starts small again. */
  reset(): void;
  /** Attempts since the last reset. */
  readonly attempt: number;
}

export const defaultBackoff = { initialMs: 250, maxMs: 10_000 } as const;

/**
 * Capped exponential backoff with full jitter: spreading reconnects uniformly over the
 * whole window keeps a fleet of clients from stampeding a server that just came back.
 */
export function createBackoff(options: BackoffOptions = {}): Backoff {
  const initialMs = options.initialMs ?? defaultBackoff.initialMs;
  const maxMs = Math.max(initialMs, options.maxMs ?? defaultBackoff.maxMs);
  const random = options.random ?? Math.random;
  let attempt = 0;
  return {
    next(retryAfterMs) {
      // 2^attempt overflows to Infinity long after the cap applies, so Math.min stays correct.
      const cap = Math.min(maxMs, initialMs * 2 ** attempt);
      attempt++;
      if (retryAfterMs !== undefined && retryAfterMs >= 0) {
        return Math.min(retryAfterMs, Limits.maxRetryAfterMs) + Math.floor(random() * initialMs);
      }
      return Math.min(cap, Math.floor(random() * (cap + 1)));
    },
    reset() {
      attempt = 0;
    },
    get attempt() {
      return attempt;
    },
  };
}
