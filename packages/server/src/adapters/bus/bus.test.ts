import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { describeBusContract } from '../../ports/bus.contract.js';
import { createMemoryHub } from './memory-hub.js';
import { createRedisBus, type RedisBus, type RedisBusOptions } from './redis-bus.js';
import { createTcpProxy, type TcpProxy } from '../../testing/tcp-proxy.js';
import { waitFor as poll } from '../../testing/wait-for.js';

const REDIS_PORT = 6379;
const REDIS_URL = `redis://127.0.0.1:${REDIS_PORT}`;

const waitFor = (what: string, condition: () => boolean, timeoutMs = 15_000) =>
  poll(condition, { what, timeoutMs, intervalMs: 5 }).then(() => {});

function redisBuses(count: number, options: Partial<RedisBusOptions> & { urls?: string[] } = {}) {
  // A random prefix per call: parallel test files share the Redis server.
  const prefix = `test:${randomUUID()}:`;
  const buses = Array.from({ length: count }, (_, i) => createRedisBus({ url: options.urls?.[i] ?? REDIS_URL, prefix, ...options }));
  return {
    prefix,
    buses,
    ready: () => waitFor('buses healthy', () => buses.every((bus) => bus.healthy)),
    cleanup: async () => {
      await Promise.all(buses.map((bus) => bus.close()));
    },
  };
}

describeBusContract('memory hub', async (count) => {
  const hub = createMemoryHub();
  const buses = Array.from({ length: count }, () => hub.createBus());
  return {
    buses,
    cleanup: async () => {
      await Promise.all(buses.map((bus) => bus.close()));
    },
  };
});

for (const sharded of [false, true]) {
  const mode = sharded ? 'sharded SPUBLISH/SSUBSCRIBE' : 'classic PUBLISH/SUBSCRIBE';

  describeBusContract(`redis, ${mode}`, async (count) => {
    const nodes = redisBuses(count, { sharded });
    await nodes.ready();
    return nodes;
  });

  describe(`redis bus outages, ${mode}`, () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    /** Node A reaches Redis through a proxy we can cut; node B connects directly. */
    async function setup(extra: Partial<RedisBusOptions> = {}) {
      const proxy: TcpProxy = await createTcpProxy({ targetPort: REDIS_PORT });
      cleanups.push(() => proxy.close());
      const nodes = redisBuses(2, {
        sharded,
        maxReconnectDelayMs: 100,
        urls: [`redis://127.0.0.1:${proxy.port}`, REDIS_URL],
        ...extra,
      });
      cleanups.push(nodes.cleanup);
      await nodes.ready();
      const [a, b] = nodes.buses as [RedisBus, RedisBus];
      const ra: string[] = [];
      const rb: string[] = [];
      a.onMessage((_c, payload) => ra.push(payload));
      b.onMessage((_c, payload) => rb.push(payload));
      let recovered = 0;
      a.onRecovered(() => recovered++);
      await a.subscribe('room');
      await b.subscribe('room');
      await b.publish('room', 'before');
      await waitFor('delivery before the outage', () => ra.includes('before'));
      return { proxy, a, b, ra, rb, recovered: () => recovered, prefix: nodes.prefix };
    }

    it('keeps local delivery while Redis is away, then resubscribes, fires onRecovered and delivers again', async () => {
      const { proxy, a, b, ra, rb, recovered } = await setup();
      proxy.cut();
      // Caught in flight by the cut: settles (as a counted error), never hangs or throws.
      await a.publish('room', 'at-cut');
      await waitFor('a to notice', () => !a.healthy);
      expect(b.healthy).toBe(true);

      const errorsBefore = a.stats.publishErrors;
      for (let i = 0; i < 1000; i++) await a.publish('room', `down-${i}`);
      await waitFor('local delivery while down', () => ra.includes('down-999'));
      expect(ra.filter((p) => p.startsWith('down-'))).toEqual(Array.from({ length: 1000 }, (_, i) => `down-${i}`));
      expect(a.stats.publishErrors - errorsBefore).toBe(1000);
      expect(recovered()).toBe(0);

      proxy.resume();
      await waitFor('recovery', () => recovered() === 1 && a.healthy);
      expect(a.stats.recoveries).toBe(1);

      await b.publish('room', 'after');
      await waitFor('remote delivery after recovery', () => ra.includes('after'));
      await a.publish('room', 'from-a');
      await waitFor('a to reach b again', () => rb.includes('from-a'));
      // Dropped while down, not queued and sent late.
      expect(rb.some((p) => p.startsWith('down-'))).toBe(false);
      expect(a.stats.received).toBeGreaterThanOrEqual(2);
    });

    it('subscriptions made while Redis is away take effect after recovery', async () => {
      const { proxy, a, b, ra, recovered } = await setup();
      proxy.cut();
      await waitFor('a to notice', () => !a.healthy);
      await a.subscribe('late');
      await a.unsubscribe('room');
      proxy.resume();
      await waitFor('recovery', () => recovered() === 1);
      await b.publish('room', 'not-for-a');
      await b.publish('late', 'for-a');
      await waitFor('late subscription delivery', () => ra.includes('for-a'));
      expect(ra).not.toContain('not-for-a');
    });

    it('notices a stalled link by PING and recovers when it flows again', async () => {
      const { proxy, a, b, ra, recovered } = await setup({ pingIntervalMs: 100 });
      proxy.pause();
      await waitFor('a to notice the stall', () => !a.healthy);
      proxy.resume();
      await waitFor('recovery', () => recovered() === 1 && a.healthy);
      await b.publish('room', 'after-stall');
      await waitFor('delivery after stall', () => ra.includes('after-stall'));
    });

    it(`subscribes with ${sharded ? 'SSUBSCRIBE' : 'SUBSCRIBE'} under the prefix`, async () => {
      const { a, prefix } = await setup();
      await a.subscribe('probe');
      const admin = new Redis(REDIS_URL);
      cleanups.push(async () => {
        await admin.quit();
      });
      const name = `${prefix}probe`;
      const [, shardSubs] = (await admin.call('PUBSUB', 'SHARDNUMSUB', name)) as [string, number];
      const [, classicSubs] = (await admin.call('PUBSUB', 'NUMSUB', name)) as [string, number];
      expect([Number(classicSubs), Number(shardSubs)]).toEqual(sharded ? [0, 1] : [1, 0]);
    });
  });
}

describe('redis bus without a reachable Redis', () => {
  it('publishes locally, never throws, and closes', async () => {
    const proxy = await createTcpProxy({ targetPort: REDIS_PORT });
    proxy.cut();
    const bus = createRedisBus({ url: `redis://127.0.0.1:${proxy.port}`, prefix: `test:${randomUUID()}:` });
    try {
      const got: string[] = [];
      bus.onMessage((_c, p) => got.push(p));
      await bus.subscribe('c');
      await bus.publish('c', 'x');
      await waitFor('local delivery', () => got.length === 1);
      expect(bus.healthy).toBe(false);
    } finally {
      await bus.close();
      await proxy.close();
    }
  });
});
