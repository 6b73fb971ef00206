import { Limits } from '@chatchat/protocol';

/**
 * How many hellos a gateway answers at once, and when a refused client should come back.
 *
 * After a gateway dies its clients all arrive within a backoff step. A refusal that only says
 * "back off" sends them back as blindly as they came: thousands within the next step, refused
 * again, while the gateway drains its queue at its own pace. So each refusal hands out a return
 * slot instead: while the gateway is full it completes about `limit / meanHelloMs` hellos a
 * millisecond (Little's law), and the slots are spaced at that rate after the last one given.
 * The refused clients come back spread over exactly the time the gateway needs for them.
 */
export interface HelloAdmission {
  /** A place to answer a hello (leave it once, when answered), or the ms after which a retry should find one. */
  enter(): { admitted: true; leave(): void } | { admitted: false; retryAfterMs: number };
}

export interface HelloAdmissionOptions {
  limit: number;
  now?: () => number;
}

/**
 * Before any hello has been timed: one hello alone on PostgreSQL. A storm's first round of slots
 * is spaced by this guess (it arrives before a hello finishes), which sends it back too early;
 * a guess from a hello's CPU × limit did not measure better (issue 15's note of 2026-12-04).
 */
const initialMeanHelloMs = 50;
/** Weight of the newest hello in the mean: it follows a storm's load within a few hundred hellos. */
const meanWeight = 0.02;

export function createHelloAdmission({ limit, now = () => performance.now() }: HelloAdmissionOptions): HelloAdmission {
  let answering = 0;
  let meanHelloMs = initialMeanHelloMs;
  /** The last return slot handed out. */
  let lastSlotAt = 0;

  return {
    enter() {
      const t = now();
      if (answering >= limit) {
        lastSlotAt = Math.min(Math.max(t, lastSlotAt) + meanHelloMs / limit, t + Limits.maxRetryAfterMs);
        return { admitted: false, retryAfterMs: Math.ceil(lastSlotAt - t) };
      }
      answering++;
      return {
        admitted: true,
        leave() {
          answering--;
          meanHelloMs += (now() - t - meanHelloMs) * meanWeight;
        },
      };
    },
  };
}
