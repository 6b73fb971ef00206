import type { Clock } from '../../../ports/clock.js';
import type { JobStore } from '../../../ports/job-store.js';
import type { Logger } from '../../../logger.js';
import type { UploadConfig } from '../../../config.js';
import { imageJobKind, type AttachmentService } from '../attachment-service.js';
import { createJobRunner, type JobRunner } from './job-runner.js';

export interface AttachmentJobsOptions {
  store: JobStore;
  clock: Clock;
  log: Logger;
  config: UploadConfig;
  attachments: AttachmentService;
}

/** The worker side of attachments: image jobs from the durable queue, and the periodic lifecycle sweep. */
export function createAttachmentJobs({ store, clock, log, config, attachments }: AttachmentJobsOptions): JobRunner & { sweepNow(): Promise<void> } {
  const runner = createJobRunner({
    store, clock, log, leaseMs: config.jobLeaseMs, pollMs: config.jobPollMs,
    handlers: { [imageJobKind]: (job) => attachments.processImage(job) },
  });
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;
  const sweepNow = () =>
    (sweeping ??= attachments.sweep()
      .then((r) => { if (r.orphans + r.deleted + r.avatars + r.repaired > 0) log.info(r, 'attachment sweep'); })
      .catch((err) => log.error({ err }, 'attachment sweep failed'))
      .finally(() => { sweeping = undefined; }));
  return {
    ...runner,
    sweepNow,
    start() {
      runner.start();
      timer = setInterval(() => void sweepNow(), config.sweepIntervalMs);
      timer.unref();
    },
    async close() {
      clearInterval(timer);
      await runner.close();
      await sweeping;
    },
  };
}
