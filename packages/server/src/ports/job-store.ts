export interface JobRecord {
  id: string;
  kind: string;
  key: string;
  payload: unknown;
  attempts: number;
  leaseOwner: string;
  leaseUntil: string;
}

export interface JobCounts {
  queued: number;
  done: number;
  failed: number;
}

/**
 * A durable job queue over the store. A leased job whose lease runs out (its worker died)
 * is due again; a worker's finish or failure counts only while it still holds the lease.
 */
export interface JobStore {
  /** One job per (kind, key): enqueuing it again while it exists does nothing. Returns true if added. */
  enqueueJob(input: { kind: string; key: string; payload: unknown; now: string }): Promise<boolean>;
  /** Leases the oldest due job (queued, run_at <= now, lease free or expired), or undefined. */
  leaseJob(input: { kinds: readonly string[]; owner: string; now: string; leaseUntil: string }): Promise<JobRecord | undefined>;
  /** False when the lease was lost (expired and taken by another worker). */
  finishJob(input: { id: string; owner: string; now: string }): Promise<boolean>;
  /** Retry at `retryAt`, or give up for good when it is null. */
  failJob(input: { id: string; owner: string; error: string; retryAt: string | null; now: string }): Promise<boolean>;
  getJob(kind: string, key: string): Promise<{ state: string; attempts: number; lastError: string | null } | undefined>;
  countJobs(): Promise<JobCounts>;
}
