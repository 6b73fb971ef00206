import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';

/** Work a process does on a schedule (presence, later thumbnails, cleanup, session sweeping). */
export interface PeriodicJob {
  /** For logs and the `chatchat_job_runs_total{job}` metric. */
  readonly name: string;
  readonly intervalMs: number;
  run(): Promise<void>;
  /** Frees what the job holds; called once, after its last run has finished. */
  close?(): Promise<void>;
}

export interface JobRunnerOptions {
  jobs: readonly PeriodicJob[];
  log: Logger;
  metrics: Metrics;
}

export interface JobRunner {
  readonly jobs: readonly string[];
  /** Stops scheduling, waits for runs under way, then closes every job. */
  close(): Promise<void>;
}

/**
 * Runs each job every `intervalMs`, counted from the end of its previous run: a slow run
 * delays the next instead of piling up behind it. A failed run is logged and counted, and
 * the job runs again at its next turn.
 */
export function startJobRunner({ jobs, log, metrics }: JobRunnerOptions): JobRunner {
  let closed = false;
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();

  function schedule(job: PeriodicJob) {
    if (closed) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      const run = job
        .run()
        .then(
          () => void metrics.jobRuns.inc({ job: job.name, outcome: 'ok' }),
          (err) => {
            metrics.jobRuns.inc({ job: job.name, outcome: 'error' });
            log.error({ err, job: job.name }, 'periodic job failed');
          },
        )
        .finally(() => {
          running.delete(run);
          schedule(job);
        });
      running.add(run);
    }, job.intervalMs);
    timer.unref();
    timers.add(timer);
  }

  for (const job of jobs) schedule(job);

  return {
    jobs: jobs.map((j) => j.name),
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(running);
      for (const job of jobs) await job.close?.();
    },
  };
}
