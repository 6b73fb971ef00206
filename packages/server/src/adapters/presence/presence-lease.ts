/**
 * Default presence ttl: a process that dies (kill -9) has its users shown offline
 * within 30 s, provided it heartbeats and the survivors reap every ttl/3 (10 s).
 */
export const DEFAULT_PRESENCE_TTL_MS = 30_000;

/**
 * How long one heartbeat keeps a process's connections alive. Two thirds of the ttl,
 * so that the worst case (death right after a heartbeat: lease 2/3 ttl, then up to
 * one reap interval of ttl/3 until someone reaps) still lands within the ttl, and one
 * late heartbeat (they come every ttl/3) is tolerated.
 */
export function presenceLeaseMs(ttlMs: number): number {
  return Math.max(1, Math.round((ttlMs * 2) / 3));
}
