import type { Backoff } from './backoff.js';
import { ChatClientError } from './chat-client-error.js';

/**
 * What to do after a failed attempt:
 * - `backoff`: wait a jittered delay, then try again (counts towards maxAttempts);
 * - `again`: try again at once without counting (the task itself waits, e.g. for a reconnect);
 * - `fail`: give up and reject with the error.
 */
export type RetryDecision = 'backoff' | 'again' | 'fail';

export interface RetryOptions {
  /** A fresh backoff per call: its delays grow with this task's failures only. */
  backoff: Backoff;
  /** Attempts that ended in `backoff` before the task gives up, the last one included. */
  maxAttempts: number;
  decide(err: unknown): RetryDecision;
  /** Resolves after `ms`; the owner's timers, so closing the owner cancels the wait. */
  sleep(ms: number): Promise<void>;
}

/**
 * The SDK's one retry policy (gap fills, sends, read pointers). Delays come from the
 * full-jitter backoff so that, after an outage, a fleet of clients does not retry in the
 * same millisecond.
 */
export async function retry<T>(task: () => Promise<T>, options: RetryOptions): Promise<T> {
  let failures = 0;
  for (;;) {
    try {
      return await task();
    } catch (err) {
      const decision = options.decide(err);
      if (decision === 'fail' || (decision === 'backoff' && ++failures >= options.maxAttempts)) throw err;
      // A refusal that says when to come back (`retryAfterMs`) is honoured over a blind delay.
      if (decision === 'backoff') await options.sleep(options.backoff.next(err instanceof ChatClientError ? err.retryAfterMs : undefined));
    }
  }
}
