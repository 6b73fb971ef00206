import { afterAll, beforeAll, describe, it } from 'vitest';
import type { AuthResponse } from '@chatchat/protocol';
import {
  createTcpProxy,
  httpClient,
  sdkClient,
  startCluster,
  startRedisServer,
  waitFor,
  type Cluster,
  type NodeProcess,
  type RedisServer,
  type TcpProxy,
} from '@chatchat/server/testing';
import { expectConverged, startTraffic, type Device, type TrafficOptions } from './fault-traffic.js';

/**
 * The fault suite: the scale-out deployment as real processes (2 gateways, 2 api processes,
 * a balancer) on PostgreSQL and a private redis-server, each process reaching its
 * dependencies through a TCP fault proxy of ours. Every fault runs under steady traffic from
 * SDK clients spread over the gateways and ends with `expectConverged`.
 *
 * PostgreSQL is the machine's shared server, so its "restart" is simulated at the proxy:
 * every connection is reset and new ones refused for a few seconds, which is what the app
 * sees of a restart. Redis is private, so it really is killed (-9) and started again.
 */
const trafficMs = 2500;
const convergeTimeoutMs = 30_000;

let cluster: Cluster;
let redis: RedisServer;
let pgProxy: TcpProxy;
/** Each process's own link to Redis (so one gateway can be partitioned alone). */
const redisLinks = new Map<string, TcpProxy>();
let users: AuthResponse[];
let devices: Device[];
const figures: { fault: string; acked: number; lost: number; duplicated: number; unknown: number; convergeMs: number }[] = [];

const nodeNames = ['gateway-1', 'gateway-2', 'gateway-3', 'api-1', 'api-2', 'worker-1'];
const alive = (nodes: NodeProcess[]) => nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);

beforeAll(async () => {
  redis = await startRedisServer();
  pgProxy = await createTcpProxy({ targetPort: 5432 });
  for (const name of nodeNames) redisLinks.set(name, await createTcpProxy({ targetPort: redis.port }));
  cluster = await startCluster({
    gateways: 2,
    apis: 2,
    env: { REDIS_URL: redis.url, DRAIN_TIMEOUT_MS: '2000' },
    nodeEnv: (name, _role, env) => {
      const db = new URL(env.DATABASE_URL!);
      db.port = String(pgProxy.port);
      return { DATABASE_URL: db.toString(), REDIS_URL: `redis://127.0.0.1:${redisLinks.get(name)!.port}` };
    },
  });
  const http = httpClient(cluster.url);
  users = await Promise.all(Array.from({ length: 4 }, () => http.signup()));
  devices = [];
  for (const user of users) {
    const client = sdkClient(cluster.url, user.accessToken, { requestTimeoutMs: 5000 });
    await client.connect();
    devices.push({ user, client });
  }
}, 180_000);

afterAll(async () => {
  for (const d of devices ?? []) d.client.close();
  await cluster?.close();
  for (const p of redisLinks.values()) await p.close();
  await pgProxy?.close();
  await redis?.close();
  if (figures.length) {
    const rows = figures.map(
      (f) => `| ${f.fault} | ${f.acked} | ${f.lost} | ${f.duplicated} | ${f.unknown} | ${(f.convergeMs / 1000).toFixed(1)} s |`,
    );
    console.log(['| fault | acked | lost | duplicated | unknown | time to converge |', '|---|---|---|---|---|---|', ...rows].join('\n'));
  }
});

const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A fresh room for the four users, traffic, the fault while it runs, traffic after it, then
 * the convergence check. `fault` returns once the fault is over (healed).
 */
async function underTraffic(name: string, fault: () => Promise<void>, extra: Partial<TrafficOptions> = {}) {
  const http = httpClient(cluster.url);
  const room = await http.createRoom(
    users[0]!.accessToken,
    name,
    users.slice(1).map((u) => u.user.id),
  );
  for (const d of devices) await waitFor(() => d.client.room(room.id), { what: 'room on every device', timeoutMs: 15_000 });
  // Every device shows the room: its pointers are kept live and come back after each reconnect.
  for (const d of devices) await d.client.loadReaders(room.id);
  const traffic = startTraffic({ roomId: room.id, devices, intervalMs: 100, maxInFlight: 20, ...extra });
  // Traffic runs for trafficMs before the fault and for trafficMs after it healed: both sides count.
  await later(trafficMs);
  await fault();
  await later(trafficMs);
  const result = await traffic.stop();
  const converged = await expectConverged({ url: cluster.url, roomId: room.id, devices, result, timeoutMs: convergeTimeoutMs });
  figures.push({ fault: name, acked: result.acked.size, unknown: result.unknown, ...converged });
}

describe('fault suite', () => {
  it('kill -9 of a gateway', async () => {
    await underTraffic('kill -9 of a gateway', async () => {
      const victim = cluster.gateways[0]!;
      victim.kill('SIGKILL');
      await victim.exited;
      cluster.lb.setGateways(alive(cluster.gateways).map((g) => ({ port: g.port })));
      await cluster.startGateway('gateway-3');
      cluster.lb.setGateways(alive(cluster.gateways).map((g) => ({ port: g.port })));
    });
  }, 120_000);

  it('kill -9 of an api process', async () => {
    await underTraffic(
      'kill -9 of an api process',
      async () => {
        const victim = cluster.apis[0]!;
        victim.kill('SIGKILL');
        await victim.exited;
        // The balancer skips a refused backend by itself; the list is trimmed as an operator would.
        cluster.lb.setApis(alive(cluster.apis).map((a) => ({ port: a.port })));
      },
      { http: { url: cluster.url, user: users[1]! } },
    );
  }, 120_000);

  it('Redis restart (kill -9, empty again)', async () => {
    await underTraffic('Redis restart', () => redis.restart());
  }, 120_000);

  it('PostgreSQL restart (every connection reset, new ones refused for 3 s)', async () => {
    await underTraffic('PostgreSQL restart (at the proxy)', async () => {
      pgProxy.reset();
      pgProxy.cut();
      await later(3000);
      pgProxy.resume();
    });
  }, 120_000);

  it('500 ms of added latency to the database', async () => {
    await underTraffic('+500 ms database latency', async () => {
      pgProxy.setLatency(500);
      await later(4000);
      pgProxy.setLatency(0);
    });
  }, 120_000);

  it('a 10 s partition between a gateway and Redis', async () => {
    await underTraffic('gateway ↔ Redis partition, 10 s', async () => {
      const gateway = alive(cluster.gateways)[0]!;
      const link = redisLinks.get(gateway.name)!;
      link.blackhole();
      await later(10_000);
      link.resume();
    });
  }, 120_000);
});
