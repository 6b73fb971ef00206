import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Presence } from '../../ports/presence.js';
import { DEFAULT_PRESENCE_TTL_MS, presenceLeaseMs } from './presence-lease.js';
import {
  connectScript,
  disconnectScript,
  heartbeatScript,
  lookupScript,
  reapScript,
  registerScript,
  releaseScript,
} from './redis-presence-scripts.js';

export interface RedisPresenceOptions {
  url: string;
  /** Key prefix. Default 'chatchat:'; keys are `${prefix}{presence}:…`. */
  prefix?: string;
  /** Names this process in its lease ids (for debugging). Must not contain '|'. */
  nodeId: string;
  /**
   * A process that stops heartbeating has its users offline within this long,
   * given heartbeat() and reapExpired() every ttl/3 on every gateway. Default 30,000 ms.
   */
  ttlMs?: number;
}

const REGISTER_CHUNK = 2000;
const REAP_BUDGET = 1000;
/** Bounds one reapExpired call; the rest waits for the next tick. */
const REAP_MAX_ROUNDS = 50;

type ScriptName = 'ccConnect' | 'ccDisconnect' | 'ccHeartbeat' | 'ccRegister' | 'ccReap' | 'ccLookup' | 'ccRelease';
type ScriptRunner = (nodesKey: string, ...args: (string | number)[]) => Promise<unknown>;

/**
 * Presence in Redis, shared by every gateway. Instead of one expiry per connection,
 * each process holds one lease (renewed by heartbeat, O(1) whatever its connection
 * count) and its connections hang off that lease; when a lease runs out, any
 * process's reapExpired() takes its users offline. All decisions run in Lua.
 */
export function createRedisPresence(options: RedisPresenceOptions): Presence {
  if (options.nodeId.includes('|')) throw new Error("nodeId must not contain '|'");
  const base = `${options.prefix ?? 'chatchat:'}{presence}:`;
  const nodesKey = `${base}nodes`;
  const leaseMs = presenceLeaseMs(options.ttlMs ?? DEFAULT_PRESENCE_TTL_MS);

  const redis = new Redis(options.url, {
    connectionName: 'chatchat-presence',
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), 2000),
    // Presence calls fail fast while Redis is away (the gateway logs and carries on)
    // instead of piling up. It must be 0: with more, ioredis keeps commands that were
    // in flight when the link dropped and re-sends them only once Redis is back, so a
    // caller would hang for the whole outage.
    maxRetriesPerRequest: 0,
  });
  redis.on('error', () => {
    // Reported to callers through rejected commands; ioredis would log to stderr otherwise.
  });
  const scripts: Record<ScriptName, string> = {
    ccConnect: connectScript,
    ccDisconnect: disconnectScript,
    ccHeartbeat: heartbeatScript,
    ccRegister: registerScript,
    ccReap: reapScript,
    ccLookup: lookupScript,
    ccRelease: releaseScript,
  };
  for (const [name, lua] of Object.entries(scripts)) redis.defineCommand(name, { numberOfKeys: 1, lua });
  const run = (name: ScriptName, ...args: (string | number)[]) =>
    (redis as unknown as Record<ScriptName, ScriptRunner>)[name](nodesKey, base, ...args);

  const local = new Map<string, { userId: string; connId: string }>();
  const revived = new Set<string>();
  let lease = newLeaseId();
  let reincarnating: Promise<void> | null = null;
  let closed = false;

  function newLeaseId(): string {
    return `${options.nodeId}~${randomBytes(6).toString('hex')}`;
  }

  function checkUserId(userId: string): void {
    if (userId.includes('|')) throw new Error("userId must not contain '|'");
  }

  /**
   * Takes a new lease and registers every local connection under it. Shared by
   * concurrent callers; only the first caller that saw `stale` die starts it.
   */
  function reincarnate(stale: string): Promise<void> {
    if (reincarnating) return reincarnating;
    if (lease !== stale) return Promise.resolve();
    const fresh = newLeaseId();
    lease = fresh;
    const pairs = [...local.values()];
    reincarnating = (async () => {
      for (let i = 0; i === 0 || i < pairs.length; i += REGISTER_CHUNK) {
        const args = pairs.slice(i, i + REGISTER_CHUNK).flatMap(({ userId, connId }) => [userId, connId]);
        const back = await run('ccRegister', fresh, leaseMs, i === 0 ? '1' : '0', ...args);
        if (!Array.isArray(back)) throw new Error('presence lease expired while registering');
        for (const userId of back as string[]) revived.add(userId);
      }
    })().finally(() => {
      reincarnating = null;
    });
    return reincarnating;
  }

  return {
    async connect(userId, connectionId) {
      checkUserId(userId);
      if (closed) throw new Error('presence is closed');
      local.set(`${userId}|${connectionId}`, { userId, connId: connectionId });
      for (let attempt = 0; ; attempt++) {
        await reincarnating;
        const used = lease;
        const result = Number(await run('ccConnect', used, userId, connectionId));
        // A revival not yet taken by takeRevived() is reported here instead, once.
        if (result !== -1) return revived.delete(userId) || result === 1;
        // The first connect lands here too: no lease has been taken yet.
        if (attempt > 0) throw new Error('presence lease lost twice in a row');
        await reincarnate(used);
      }
    },

    async disconnect(userId, connectionId, now) {
      checkUserId(userId);
      local.delete(`${userId}|${connectionId}`);
      await reincarnating;
      return Number(await run('ccDisconnect', lease, userId, connectionId, now)) === 1;
    },

    async heartbeat() {
      await reincarnating;
      const used = lease;
      if (Number(await run('ccHeartbeat', used, leaseMs)) === 0) await reincarnate(used);
    },

    takeRevived() {
      const back = [...revived];
      revived.clear();
      return back;
    },

    async reapExpired(now) {
      const offline: string[] = [];
      for (let round = 0; round < REAP_MAX_ROUNDS; round++) {
        const [more, ...users] = (await run('ccReap', now, REAP_BUDGET)) as [number, ...string[]];
        offline.push(...users);
        if (Number(more) === 0) break;
      }
      return offline;
    },

    async lookup(userIds) {
      const result = new Map<string, { online: boolean; lastSeenAt: string | null }>();
      if (userIds.length === 0) return result;
      const flat = (await run('ccLookup', ...userIds)) as (number | string)[];
      userIds.forEach((userId, i) => {
        const seen = flat[2 * i + 1];
        result.set(userId, { online: Number(flat[2 * i]) === 1, lastSeenAt: seen ? String(seen) : null });
      });
      return result;
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        // Our connections go to the next reaper at once instead of a ttl later.
        if (redis.status === 'ready') await run('ccRelease', lease);
      } finally {
        local.clear();
        if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
        else redis.disconnect();
      }
    },
  };
}
