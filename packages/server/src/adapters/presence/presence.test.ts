import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { describePresenceContract, realTime, type ContractTime } from '../../ports/presence.contract.js';
import { createManualClock } from '../../ports/clock.js';
import { createTcpProxy } from '../../testing/tcp-proxy.js';
import { createMemoryPresence, createMemoryPresenceState } from './memory-presence.js';
import { createRedisPresence } from './redis-presence.js';

const REDIS_PORT = 6379;
const REDIS_URL = `redis://127.0.0.1:${REDIS_PORT}`;

async function deleteKeys(prefix: string): Promise<void> {
  const admin = new Redis(REDIS_URL);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length > 0) await admin.del(...keys);
  } finally {
    await admin.quit();
  }
}

describePresenceContract('memory', async (count, ttlMs) => {
  const state = createMemoryPresenceState();
  const clock = createManualClock();
  const nodes = Array.from({ length: count }, () => createMemoryPresence({ state, ttlMs, clock }));
  const time: ContractTime = {
    now: () => clock.now().getTime(),
    nowIso: () => clock.nowIso(),
    async advance(ms) {
      clock.advance(ms);
    },
  };
  return {
    nodes,
    time,
    cleanup: async () => {
      await Promise.all(nodes.map((node) => node.close()));
    },
  };
});

describePresenceContract('redis', async (count, ttlMs) => {
  // A random prefix per call: parallel test files share the Redis server.
  const prefix = `test:${randomUUID()}:`;
  const nodes = Array.from({ length: count }, (_, i) => createRedisPresence({ url: REDIS_URL, prefix, nodeId: `node${i}`, ttlMs }));
  return {
    nodes,
    // Leases run on Redis's own clock (TIME): only real time moves them.
    time: realTime,
    cleanup: async () => {
      await Promise.all(nodes.map((node) => node.close()));
      await deleteKeys(prefix);
    },
  };
});

describe('memory presence without a ttl (embedded)', () => {
  it('never expires connections', async () => {
    const clock = createManualClock();
    const presence = createMemoryPresence({ clock });
    await presence.connect('u', 'c');
    await presence.heartbeat();
    clock.advance(365 * 86_400_000);
    expect(await presence.reapExpired(clock.nowIso())).toEqual([]);
    expect((await presence.lookup(['u'])).get('u')?.online).toBe(true);
    await presence.close();
  });
});

describe('redis presence', () => {
  it('rejects ids that would break its key format', async () => {
    expect(() => createRedisPresence({ url: REDIS_URL, nodeId: 'a|b' })).toThrow();
    const presence = createRedisPresence({ url: REDIS_URL, prefix: `test:${randomUUID()}:`, nodeId: 'n' });
    try {
      await expect(presence.connect('bad|user', 'c')).rejects.toThrow();
    } finally {
      await presence.close();
    }
  });

  it('keeps keys under the prefix, in one hash slot', async () => {
    const prefix = `test:${randomUUID()}:`;
    const presence = createRedisPresence({ url: REDIS_URL, prefix, nodeId: 'n' });
    const admin = new Redis(REDIS_URL);
    try {
      await presence.connect('u1', 'c1');
      await presence.disconnect('u1', 'c1', new Date().toISOString());
      await presence.connect('u2', 'c2');
      const keys = await admin.keys(`${prefix}*`);
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.every((key) => key.startsWith(`${prefix}{presence}:`))).toBe(true);
    } finally {
      await presence.close();
      await admin.quit();
      await deleteKeys(prefix);
    }
  });

  it('fails fast while Redis is away and works again after', async () => {
    const proxy = await createTcpProxy({ targetPort: REDIS_PORT });
    const prefix = `test:${randomUUID()}:`;
    const presence = createRedisPresence({ url: `redis://127.0.0.1:${proxy.port}`, prefix, nodeId: 'n' });
    try {
      expect(await presence.connect('u', 'c1')).toBe(true);
      proxy.cut();
      const started = Date.now();
      await expect(presence.connect('u', 'c2')).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(10_000);
      proxy.resume();
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          await presence.heartbeat();
          break;
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
      expect((await presence.lookup(['u'])).get('u')?.online).toBe(true);
      expect(await presence.disconnect('u', 'c1', new Date().toISOString())).toBe(true);
    } finally {
      await presence.close();
      await proxy.close();
      await deleteKeys(prefix);
    }
  });
});
