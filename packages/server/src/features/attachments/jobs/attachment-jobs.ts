import type { Clock } from '../../../ports/clock.js';
import type { JobStore } from '../../../ports/job-store.js';
import type { Logger } from '../../../logger.js';
import type { UploadConfig } from '../../../config.js';
import type { PeriodicJob } from '../../../worker/job-runner.js';
import { imageJobKind, type AttachmentService } from '../attachment-service.js';
import { createQueueWorker } from './queue-worker.js';

export interface AttachmentJobsOptions {
  store: JobStore;
  clock: Clock;
  log: Logger;
  config: UploadConfig;
  attachments: AttachmentService;
}

/**
 * The worker role's share of attachments, as periodic jobs of the process's job runner:
 * every `JOB_POLL_MS` the durable queue is drained (thumbnails, avatar sizes), and every
 * `SWEEP_INTERVAL_MS` the lifecycle sweep runs.
 */
export function attachmentJobs({ store, clock, log, config, attachments }: AttachmentJobsOptions): PeriodicJob[] {
  const worker = createQueueWorker({
    store,
    clock,
    log,
    leaseMs: config.jobLeaseMs,
    handlers: { [imageJobKind]: (job) => attachments.processImage(job) },
  });
  return [
    { name: 'attachment-queue', intervalMs: config.jobPollMs, run: async () => void (await worker.drain()) },
    {
      name: 'attachment-sweep',
      intervalMs: config.sweepIntervalMs,
      run: async () => {
        const r = await attachments.sweep();
        if (r.orphans + r.deleted + r.avatars + r.repaired > 0) log.info(r, 'attachment sweep');
      },
    },
  ];
}
