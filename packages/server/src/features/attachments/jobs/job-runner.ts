import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../ports/clock.js';
import type { JobRecord, JobStore } from '../../../ports/job-store.js';
import type { Logger } from '../../../logger.js';

/** Thrown by a handler when trying again cannot help (a corrupt image): the job fails at once. */
export class PermanentJobError extends Error {}

export type JobHandler = (job: JobRecord) => Promise<void>;

export interface JobRunnerOptions {
  store: JobStore;
  clock: Clock;
  handlers: Record<string, JobHandler>;
  log: Logger;
  /** A job whose worker is gone is due again after this long. */
  leaseMs: number;
  /** How often an idle runner looks for due jobs (jobs enqueued in-process wake it at once). */
  pollMs: number;
  maxAttempts?: number;
  /** Names this runner in `lease_owner`; one per process. */
  owner?: string;
}

export type JobRunner = ReturnType<typeof createJobRunner>;

/**
 * Runs durable jobs from the store, one at a time per runner. At-least-once: a job leased
 * by a worker that dies is leased again once its lease runs out, so handlers are
 * idempotent (keyed by what they work on, writing the same objects again), which makes a
 * second run the same in effect as one.
 */
export function createJobRunner({ store, clock, handlers, log, leaseMs, pollMs, maxAttempts = 5, owner = randomUUID() }: JobRunnerOptions) {
  const kinds = Object.keys(handlers);
  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function runOne(): Promise<boolean> {
    const now = clock.now();
    const job = await store.leaseJob({ kinds, owner, now: now.toISOString(), leaseUntil: new Date(now.getTime() + leaseMs).toISOString() });
    if (!job) return false;
    try {
      await handlers[job.kind]!(job);
      if (!(await store.finishJob({ id: job.id, owner, now: clock.nowIso() }))) log.warn({ job: job.id }, 'job finished after its lease was lost');
    } catch (err) {
      const permanent = err instanceof PermanentJobError || job.attempts >= maxAttempts;
      const retryAt = permanent ? null : new Date(clock.now().getTime() + Math.min(60_000, 1000 * 2 ** job.attempts)).toISOString();
      log.warn({ err, job: job.id, kind: job.kind, attempts: job.attempts, permanent }, 'job failed');
      await store.failJob({ id: job.id, owner, error: String((err as Error).message ?? err), retryAt, now: clock.nowIso() });
    }
    return true;
  }

  async function run() {
    while (running) {
      let worked = false;
      try {
        worked = await runOne();
      } catch (err) {
        // The store is down: keep the loop alive and look again after a poll interval.
        log.error({ err }, 'job lease failed');
      }
      if (worked || !running) continue;
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
        timer = setTimeout(resolve, pollMs);
      });
      clearTimeout(timer);
      wakeUp = undefined;
    }
  }

  return {
    owner,
    /** Leases and runs one due job; false when there was none. For tests and benchmarks. */
    runOne,
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    /** Something was enqueued: look now instead of at the next poll. */
    wake() {
      wakeUp?.();
    },
    /** Stops leasing; resolves once the job in hand (if any) has settled. */
    async close() {
      running = false;
      wakeUp?.();
      await loop;
    },
  };
}
