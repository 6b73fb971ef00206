import type { PresenceService } from '../features/presence/presence-service.js';
import type { PeriodicJob } from './job-runner.js';

/**
 * Every ttl/3, so that a process that dies right after renewing its lease (2/3 ttl) is
 * reaped within the ttl (see presence-lease.ts).
 */
export const presenceIntervalMs = (ttlMs: number) => Math.max(50, Math.floor(ttlMs / 3));

/** Gateways: keep this process's connections alive in the shared presence. */
export function presenceLeaseJob(presence: PresenceService, ttlMs: number): PeriodicJob {
  return { name: 'presence-lease', intervalMs: presenceIntervalMs(ttlMs), run: () => presence.heartbeat() };
}

/** Workers: take the users of dead processes offline (any number of workers may run it). */
export function presenceReaperJob(presence: PresenceService, ttlMs: number): PeriodicJob {
  return { name: 'presence-reaper', intervalMs: presenceIntervalMs(ttlMs), run: () => presence.reapExpired() };
}
