import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Presence } from './presence.js';

export interface PresenceContractNodes {
  /** `count` Presence instances, each standing for one process, sharing one state. */
  nodes: Presence[];
  /** The time the nodes' leases run on. */
  time: ContractTime;
  cleanup(): Promise<void>;
}

/**
 * Lease time as the adapter sees it. In-process adapters take a manual clock, so a test
 * of "expires within the ttl" or "never expires" moves it instead of waiting; adapters on
 * a server's clock (Redis TIME) can only let real time pass.
 */
export interface ContractTime {
  now(): number;
  nowIso(): string;
  /** Lets about `ms` pass. */
  advance(ms: number): Promise<void>;
}

export const realTime: ContractTime = {
  now: () => Date.now(),
  nowIso: () => new Date().toISOString(),
  advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

type MakeNodes = (count: number, ttlMs: number) => Promise<PresenceContractNodes>;

const LONG_TTL_MS = 60_000;
/** Short enough for real-time adapters, long enough that a loaded 2-core machine still heartbeats in time. */
const SHORT_TTL_MS = 2000;
/** Time between polls of the reaping loop. */
const STEP_MS = 5;

/**
 * Runs the live nodes' heartbeats every ttl/3 (as the gateway does) and reaps on
 * `reapers` until `done` holds or `timeoutMs` of the nodes' time passed. Returns every user reported.
 */
async function reapUntil(options: {
  time: ContractTime;
  live: Presence[];
  reapers: Presence[];
  ttlMs: number;
  done: (reaped: string[]) => boolean;
  timeoutMs: number;
}): Promise<string[]> {
  const { time } = options;
  const reaped: string[] = [];
  const deadline = time.now() + options.timeoutMs;
  // Live nodes beat at once: a caller may come here up to ttl/3 after their last beat, and
  // waiting another ttl/3 would leave a gap as long as the lease itself.
  let nextBeat = time.now();
  while (!options.done(reaped)) {
    if (time.now() > deadline) return reaped;
    if (time.now() >= nextBeat) {
      nextBeat += options.ttlMs / 3;
      await Promise.all(options.live.map((node) => node.heartbeat()));
    }
    const now = time.nowIso();
    const batches = await Promise.all(options.reapers.map((node) => node.reapExpired(now)));
    for (const batch of batches) reaped.push(...batch);
    await time.advance(STEP_MS);
  }
  return reaped;
}

export function describePresenceContract(name: string, makeNodes: MakeNodes): void {
  describe(`Presence contract: ${name}`, () => {
    let current: PresenceContractNodes | undefined;
    async function start(count: number, ttlMs: number): Promise<Presence[]> {
      current = await makeNodes(count, ttlMs);
      return current.nodes;
    }
    const time = () => current!.time;
    const nowIso = () => time().nowIso();
    afterEach(async () => {
      await current?.cleanup();
      current = undefined;
    });
    const user = () => `u-${randomUUID()}`;

    it('reports online only for the first connection, across nodes', async () => {
      const [a, b] = (await start(2, LONG_TTL_MS)) as [Presence, Presence];
      const u = user();
      expect(await a.connect(u, 'c1')).toBe(true);
      expect(await a.connect(u, 'c2')).toBe(false);
      expect(await b.connect(u, 'c3')).toBe(false);
      const seen = await b.lookup([u]);
      expect(seen.get(u)?.online).toBe(true);
    });

    it('reports offline only when the last connection on any node leaves, and records lastSeenAt', async () => {
      const [a, b] = (await start(2, LONG_TTL_MS)) as [Presence, Presence];
      const u = user();
      await a.connect(u, 'c1');
      await b.connect(u, 'c2');
      expect(await a.disconnect(u, 'c1', nowIso())).toBe(false);
      expect((await a.lookup([u])).get(u)?.online).toBe(true);
      const leftAt = nowIso();
      expect(await b.disconnect(u, 'c2', leftAt)).toBe(true);
      expect((await a.lookup([u])).get(u)).toEqual({ online: false, lastSeenAt: leftAt });
      expect(await b.disconnect(u, 'c2', nowIso())).toBe(false);
      expect(await a.connect(u, 'c4')).toBe(true);
      expect((await b.lookup([u])).get(u)?.online).toBe(true);
    });

    it('ignores disconnects of unknown connections and answers lookups for strangers', async () => {
      const [a] = (await start(1, LONG_TTL_MS)) as [Presence];
      const [u, stranger] = [user(), user()];
      await a.connect(u, 'c1');
      expect(await a.disconnect(u, 'nope', nowIso())).toBe(false);
      expect(await a.disconnect(stranger, 'c1', nowIso())).toBe(false);
      const seen = await a.lookup([u, stranger]);
      expect(seen.get(u)?.online).toBe(true);
      expect(seen.get(stranger)).toEqual({ online: false, lastSeenAt: null });
      expect((await a.lookup([])).size).toBe(0);
    });

    it('reports exactly one transition when nodes connect and disconnect one user concurrently', async () => {
      const [a, b, c] = (await start(3, LONG_TTL_MS)) as [Presence, Presence, Presence];
      for (let round = 0; round < 20; round++) {
        const u = user();
        const online = await Promise.all([a.connect(u, 'a'), b.connect(u, 'b'), c.connect(u, 'c')]);
        expect(online.filter(Boolean).length).toBe(1);
        const now = nowIso();
        const offline = await Promise.all([a.disconnect(u, 'a', now), b.disconnect(u, 'b', now), c.disconnect(u, 'c', now)]);
        expect(offline.filter(Boolean).length).toBe(1);
        expect((await a.lookup([u])).get(u)).toEqual({ online: false, lastSeenAt: now });
      }
    });

    it('reaps the users of a node that stops heartbeating, within the ttl, and nobody else', async () => {
      const ttlMs = SHORT_TTL_MS;
      const [dying, alive] = (await start(2, ttlMs)) as [Presence, Presence];
      const [gone, stays, shared] = [user(), user(), user()];
      await dying.connect(gone, 'c1');
      await dying.connect(shared, 'c2');
      await alive.connect(stays, 'c3');
      await alive.connect(shared, 'c4');
      await Promise.all([dying.heartbeat(), alive.heartbeat()]);
      const lastBeat = time().now();

      const reaped = await reapUntil({
        time: time(),
        live: [alive],
        reapers: [alive],
        ttlMs,
        timeoutMs: ttlMs * 10,
        done: (r) => r.includes(gone),
      });
      const elapsed = time().now() - lastBeat;
      expect(reaped).toEqual([gone]);
      // Poll granularity and a busy machine get some slack beyond the ttl.
      expect(elapsed).toBeLessThan(ttlMs * 2);

      const seen = await alive.lookup([gone, stays, shared]);
      expect(seen.get(gone)?.online).toBe(false);
      expect(seen.get(gone)?.lastSeenAt).not.toBeNull();
      expect(seen.get(stays)?.online).toBe(true);
      expect(seen.get(shared)?.online).toBe(true);

      // A node that keeps heartbeating is never reaped.
      const later = await reapUntil({
        time: time(),
        live: [alive],
        reapers: [alive],
        ttlMs,
        timeoutMs: ttlMs * 3,
        done: () => false,
      });
      expect(later).toEqual([]);
      expect(await alive.disconnect(shared, 'c4', nowIso())).toBe(true);
    });

    it('reports each reaped user exactly once when several nodes reap at the same time', async () => {
      const ttlMs = SHORT_TTL_MS;
      const [dying, r1, r2] = (await start(3, ttlMs)) as [Presence, Presence, Presence];
      const users = Array.from({ length: 40 }, user);
      for (const [i, u] of users.entries()) {
        await dying.connect(u, `c${i}`);
        if (i % 3 === 0) await dying.connect(u, `c${i}-second`);
      }
      await dying.heartbeat();
      const reaped = await reapUntil({
        time: time(),
        live: [r1, r2],
        reapers: [r1, r2, r1, r2],
        ttlMs,
        timeoutMs: ttlMs * 10,
        done: (r) => new Set(r).size === users.length,
      });
      expect(reaped.length).toBe(users.length);
      expect(new Set(reaped)).toEqual(new Set(users));
    });

    it('brings the users of a reaped node back online when it heartbeats again', async () => {
      const ttlMs = SHORT_TTL_MS;
      const [stalled, other] = (await start(2, ttlMs)) as [Presence, Presence];
      const u = user();
      await stalled.connect(u, 'c1');
      await stalled.heartbeat();
      const reaped = await reapUntil({
        time: time(),
        live: [other],
        reapers: [other],
        ttlMs,
        timeoutMs: ttlMs * 10,
        done: (r) => r.includes(u),
      });
      expect(reaped).toEqual([u]);
      await stalled.heartbeat();
      expect((await other.lookup([u])).get(u)?.online).toBe(true);
      if (stalled.takeRevived) {
        expect(stalled.takeRevived()).toEqual([u]);
        expect(stalled.takeRevived()).toEqual([]);
      }
      expect(await stalled.disconnect(u, 'c1', nowIso())).toBe(true);
      expect((await other.lookup([u])).get(u)?.online).toBe(false);
    });

    it('hands the users of a closed node to the next reaper at once, without waiting for the ttl', async () => {
      const [closing, other] = (await start(2, LONG_TTL_MS)) as [Presence, Presence];
      const u = user();
      await closing.connect(u, 'c1');
      await closing.close();
      const reaped = await reapUntil({
        time: time(),
        live: [other],
        reapers: [other],
        ttlMs: LONG_TTL_MS,
        timeoutMs: 5_000,
        done: (r) => r.includes(u),
      });
      expect(reaped).toEqual([u]);
      expect((await other.lookup([u])).get(u)?.online).toBe(false);
    });
  });
}
