import { randomUUID } from 'node:crypto';
import type { Clock } from '../../../ports/clock.js';
import type { JobRecord, JobStore } from '../../../ports/job-store.js';
import type { Logger } from '../../../logger.js';

/** Thrown by a handler when trying again cannot help (a corrupt image): the job fails at once. */
export class PermanentJobError extends Error {}

export type JobHandler = (job: JobRecord) => Promise<void>;

export interface QueueWorkerOptions {
  store: JobStore;
  clock: Clock;
  handlers: Record<string, JobHandler>;
  log: Logger;
  /** A job whose worker is gone is due again after this long. */
  leaseMs: number;
  maxAttempts?: number;
  /** Names this runner in `lease_owner`; one per process. */
  owner?: string;
}

export type QueueWorker = ReturnType<typeof createQueueWorker>;

/**
 * Runs durable jobs from the store, one at a time per runner. At-least-once: a job leased
 * by a worker that dies is leased again once its lease runs out, so handlers are
 * idempotent (keyed by what they work on, writing the same objects again), which makes a
 * second run the same in effect as one.
 */
export function createQueueWorker({ store, clock, handlers, log, leaseMs, maxAttempts = 5, owner = randomUUID() }: QueueWorkerOptions) {
  const kinds = Object.keys(handlers);

  async function runOne(): Promise<boolean> {
    const now = clock.now();
    const job = await store.leaseJob({ kinds, owner, now: now.toISOString(), leaseUntil: new Date(now.getTime() + leaseMs).toISOString() });
    if (!job) return false;
    try {
      await handlers[job.kind]!(job);
      if (!(await store.finishJob({ id: job.id, owner, now: clock.nowIso() })))
        log.warn({ job: job.id }, 'job finished after its lease was lost');
    } catch (err) {
      const permanent = err instanceof PermanentJobError || job.attempts >= maxAttempts;
      const retryAt = permanent ? null : new Date(clock.now().getTime() + Math.min(60_000, 1000 * 2 ** job.attempts)).toISOString();
      log.warn({ err, job: job.id, kind: job.kind, attempts: job.attempts, permanent }, 'job failed');
      await store.failJob({ id: job.id, owner, error: String((err as Error).message ?? err), retryAt, now: clock.nowIso() });
    }
    return true;
  }

  return {
    owner,
    /** Leases and runs one due job; false when there was none. For tests and benchmarks. */
    runOne,
    /** Runs due jobs one after another until none is left; returns how many ran. */
    async drain(): Promise<number> {
      let n = 0;
      while (await runOne()) n++;
      return n;
    },
  };
}
