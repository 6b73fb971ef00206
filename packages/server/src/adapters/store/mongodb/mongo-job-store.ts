import type { JobStore } from '../../../ports/job-store.js';
import { type Collections, type JobDoc, isDuplicateKey } from './mongo-documents.js';

export const jobId = (kind: string, key: string) => `${kind}:${key}`;
const leaseId = (id: string, attempt: number) => `${id}#${attempt}`;

/** Candidates read per lease try: racing workers skip to the next one instead of all retrying one. */
const CANDIDATES = 8;

/**
 * The job queue without atomic find-and-modify (FerretDB applies an update as read, modify,
 * write back, so even a conditional updateOne can be won twice). Attempt n+1 of a job is
 * claimed by inserting the lease document `<jobId>#<n+1>` under its unique `_id`: of workers
 * racing for one job exactly one gets it, and a worker that read the job before an earlier
 * lease was taken asks for an attempt already claimed and loses. The job document then
 * records the winner (conditional on the attempt count, a compare-and-set on MongoDB).
 */
export function createMongoJobStore(c: Collections): JobStore {
  /** The job, if `owner` still holds its current lease. */
  async function heldBy(id: string, owner: string): Promise<JobDoc | undefined> {
    const job = await c.jobs.findOne({ _id: id });
    if (job?.state !== 'queued' || job.leaseOwner !== owner) return undefined;
    // A later lease claimed but not yet recorded on the job means ours has been taken.
    if (await c.jobLeases.findOne({ _id: leaseId(id, job.attempts + 1) }, { projection: { _id: 1 } })) return undefined;
    return job;
  }

  /**
   * Claims the attempt after the job's, or undefined when a racing worker holds it. A claim
   * whose lease ran out without reaching the job document (its worker died in between) is
   * skipped over, so a job is never stuck behind it.
   */
  async function claimAttempt(job: JobDoc, owner: string, now: string, leaseUntil: string): Promise<number | undefined> {
    for (let attempt = job.attempts + 1; attempt <= job.attempts + 3; attempt++) {
      try {
        await c.jobLeases.insertOne({ _id: leaseId(job._id, attempt), owner, leaseUntil });
        return attempt;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
      const taken = await c.jobLeases.findOne({ _id: leaseId(job._id, attempt) });
      if (!taken || taken.leaseUntil >= now) return undefined;
    }
    return undefined;
  }

  return {
    async enqueueJob({ kind, key, payload, now }) {
      try {
        await c.jobs.insertOne({
          _id: jobId(kind, key),
          kind,
          key,
          payload,
          state: 'queued',
          runAt: now,
          attempts: 0,
          leaseOwner: null,
          leaseUntil: null,
          lastError: null,
          createdAt: now,
          finishedAt: null,
        });
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },

    async leaseJob({ kinds, owner, now, leaseUntil }) {
      if (kinds.length === 0) return undefined;
      for (let tries = 0; tries < 5; tries++) {
        const due = await c.jobs
          .find({
            state: 'queued',
            kind: { $in: [...kinds] },
            runAt: { $lte: now },
            $or: [{ leaseUntil: null }, { leaseUntil: { $lt: now } }],
          })
          .sort({ runAt: 1, _id: 1 })
          .limit(CANDIDATES)
          .toArray();
        if (due.length === 0) return undefined;
        for (const job of due) {
          const attempt = await claimAttempt(job, owner, now, leaseUntil);
          if (attempt === undefined) continue;
          const res = await c.jobs.updateOne(
            { _id: job._id, state: 'queued', attempts: { $lt: attempt } },
            { $set: { attempts: attempt, leaseOwner: owner, leaseUntil } },
          );
          if (res.matchedCount === 0) continue;
          // The lease of the attempt before is spent; keep only the newest.
          if (job.attempts > 0) await c.jobLeases.deleteOne({ _id: leaseId(job._id, job.attempts) });
          return { id: job._id, kind: job.kind, key: job.key, payload: job.payload, attempts: attempt, leaseOwner: owner, leaseUntil };
        }
      }
      return undefined;
    },

    async finishJob({ id, owner, now }) {
      const job = await heldBy(id, owner);
      if (!job) return false;
      const res = await c.jobs.updateOne(
        { _id: id, leaseOwner: owner, attempts: job.attempts, state: 'queued' },
        { $set: { state: 'done', finishedAt: now, leaseUntil: null } },
      );
      return res.modifiedCount > 0;
    },

    async failJob({ id, owner, error, retryAt, now }) {
      const job = await heldBy(id, owner);
      if (!job) return false;
      const lastError = error.slice(0, 1000);
      const res = await c.jobs.updateOne(
        { _id: id, leaseOwner: owner, attempts: job.attempts, state: 'queued' },
        {
          $set: retryAt
            ? { lastError, runAt: retryAt, leaseUntil: null, leaseOwner: null }
            : { lastError, state: 'failed', finishedAt: now, leaseUntil: null },
        },
      );
      return res.modifiedCount > 0;
    },

    async getJob(kind, key) {
      const d = await c.jobs.findOne({ _id: jobId(kind, key) }, { projection: { state: 1, attempts: 1, lastError: 1 } });
      return d ? { state: d.state, attempts: d.attempts, lastError: d.lastError ?? null } : undefined;
    },

    async countJobs() {
      const rows = await c.jobs.aggregate<{ _id: string; n: number }>([{ $group: { _id: '$state', n: { $sum: 1 } } }]).toArray();
      const by = Object.fromEntries(rows.map((r) => [r._id, r.n]));
      return { queued: by.queued ?? 0, done: by.done ?? 0, failed: by.failed ?? 0 };
    },
  };
}
