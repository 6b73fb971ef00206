import type { Presence } from '../../ports/presence.js';
import { systemClock, type Clock } from '../../ports/clock.js';
import { presenceLeaseMs } from './presence-lease.js';

/**
 * In-process presence. Embedded mode uses one instance with no ttl (connections cannot
 * outlive their process). Tests give several instances one shared state and a ttl to
 * stand for several processes, with the same lease semantics as the Redis adapter:
 * each instance holds a lease on its connections, renewed by heartbeat(); a lease that
 * ran out is dead for good and its users go offline at the next reapExpired().
 */
export interface MemoryPresenceState {
  readonly leases: Map<number, Lease>;
  /** userId → how many of the user's connections each lease holds */
  readonly users: Map<string, Map<Lease, number>>;
  readonly seen: Map<string, string>;
  nextLeaseId: number;
}

/**
 * Connection ids are unique across instances (the gateway's are UUIDs), so they key the
 * entries on their own: no composite key strings or entry objects per connection.
 */
interface Lease {
  id: number;
  expiresAt: number;
  /** connection id → user id */
  entries: Map<string, string>;
}

export interface MemoryPresenceOptions {
  /** Shared with other instances that stand for other processes. Default: a private one. */
  state?: MemoryPresenceState;
  /** Without it connections never expire (the embedded default). */
  ttlMs?: number;
  /** Lease time; tests move a manual one instead of waiting. */
  clock?: Clock;
}

export function createMemoryPresenceState(): MemoryPresenceState {
  return { leases: new Map(), users: new Map(), seen: new Map(), nextLeaseId: 1 };
}

export function createMemoryPresence(options: MemoryPresenceOptions = {}): Presence {
  const state = options.state ?? createMemoryPresenceState();
  const clock = options.clock ?? systemClock;
  const nowMs = () => clock.now().getTime();
  const leaseMs = options.ttlMs === undefined ? Infinity : presenceLeaseMs(options.ttlMs);
  /** This instance's connections: connection id → user id. */
  const local = new Map<string, string>();
  let lease: Lease | null = null;
  const revived = new Set<string>();

  const isLive = (l: Lease, now: number) => state.leases.get(l.id) === l && l.expiresAt > now;

  function liveCount(userId: string, now: number): number {
    let n = 0;
    for (const [l, count] of state.users.get(userId) ?? []) if (isLive(l, now)) n += count;
    return n;
  }

  /** Forgets the user's connections under dead leases (those leases' own entries go at reapExpired). */
  function purgeDead(userId: string, now: number): void {
    const perLease = state.users.get(userId);
    if (!perLease) return;
    for (const l of perLease.keys()) if (!isLive(l, now)) perLease.delete(l);
    if (perLease.size === 0) state.users.delete(userId);
  }

  function add(l: Lease, userId: string, connId: string): void {
    if (l.entries.get(connId) === userId) return;
    l.entries.set(connId, userId);
    let perLease = state.users.get(userId);
    if (!perLease) state.users.set(userId, (perLease = new Map()));
    perLease.set(l, (perLease.get(l) ?? 0) + 1);
  }

  function remove(l: Lease, userId: string, connId: string): boolean {
    if (l.entries.get(connId) !== userId) return false;
    l.entries.delete(connId);
    const perLease = state.users.get(userId);
    const left = (perLease?.get(l) ?? 1) - 1;
    if (left > 0) perLease!.set(l, left);
    else perLease?.delete(l);
    if (perLease?.size === 0) state.users.delete(userId);
    return true;
  }

  /** A dead lease never comes back: register everything we hold under a new one. */
  function reincarnate(now: number): Lease {
    const fresh: Lease = { id: state.nextLeaseId++, expiresAt: now + leaseMs, entries: new Map() };
    state.leases.set(fresh.id, fresh);
    lease = fresh;
    for (const [connId, userId] of local) {
      if (liveCount(userId, now) === 0) revived.add(userId);
      add(fresh, userId, connId);
    }
    return fresh;
  }

  return {
    async connect(userId, connectionId) {
      const now = nowMs();
      local.set(connectionId, userId);
      if (!lease || !isLive(lease, now)) {
        reincarnate(now);
        return revived.delete(userId);
      }
      const wasOnline = liveCount(userId, now) > 0;
      purgeDead(userId, now);
      add(lease, userId, connectionId);
      return revived.delete(userId) || !wasOnline;
    },

    async disconnect(userId, connectionId, nowIso) {
      const now = nowMs();
      if (local.get(connectionId) === userId) local.delete(connectionId);
      if (!lease || !remove(lease, userId, connectionId)) return false;
      if (liveCount(userId, now) > 0) return false;
      purgeDead(userId, now);
      state.seen.set(userId, nowIso);
      return true;
    },

    async heartbeat() {
      const now = nowMs();
      if (lease && isLive(lease, now)) lease.expiresAt = now + leaseMs;
      else reincarnate(now);
    },

    takeRevived() {
      const back = [...revived];
      revived.clear();
      return back;
    },

    async reapExpired(nowIso) {
      const now = nowMs();
      const offline: string[] = [];
      for (const l of [...state.leases.values()]) {
        if (l.expiresAt > now) continue;
        state.leases.delete(l.id);
        for (const userId of new Set(l.entries.values())) {
          const perLease = state.users.get(userId);
          if (!perLease?.delete(l) || liveCount(userId, now) > 0) continue;
          purgeDead(userId, now);
          state.seen.set(userId, nowIso);
          offline.push(userId);
        }
        l.entries.clear();
      }
      return offline;
    },

    async lookup(userIds) {
      const now = nowMs();
      const result = new Map<string, { online: boolean; lastSeenAt: string | null }>();
      for (const userId of userIds) {
        result.set(userId, { online: liveCount(userId, now) > 0, lastSeenAt: state.seen.get(userId) ?? null });
      }
      return result;
    },

    async close() {
      // Survivors reap our connections at their next reapExpired, not a ttl later.
      if (lease) lease.expiresAt = 0;
      local.clear();
    },
  };
}
