import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventData } from '@chatchat/protocol';
import { createTestDatabase, httpClient, scrapeMetrics, startTestServer, waitFor, type TestServer } from '@chatchat/server/testing';
import { createRedisBus } from '../src/adapters/bus/redis-bus.js';
import { createRedisPresence } from '../src/adapters/presence/redis-presence.js';
import { decodeEnvelope } from '../src/realtime/bus-envelope.js';
import { Channels } from '../src/realtime/channels.js';
import type { Presence } from '../src/ports/presence.js';
import type { MeteredBus } from '../src/ports/bus.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

describe('ROLE=worker', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: TestServer;
  let worker: TestServer;
  let deadGateway: Presence;
  let listener: MeteredBus;
  const prefix = `cc-worker-test-${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = {
      DATABASE_URL: db.url,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      JWT_SECRET: 'worker-test-secret-0123456789',
      PRESENCE_TTL_MS: '300',
    };
    api = await startTestServer({ ...env, ROLE: 'api', MIGRATE_ON_START: 'true' });
    worker = await startTestServer({ ...env, ROLE: 'worker' });
  });
  afterAll(async () => {
    await listener?.close();
    await deadGateway?.close();
    await worker?.close();
    await api?.close();
    await db?.drop();
  });

  it('runs the periodic jobs: takes the users of a gateway that died offline, with no gateway reaping', async () => {
    expect(worker.jobs.jobs).toContain('presence-reaper');
    expect(api.jobs.jobs).not.toContain('presence-reaper');
    const http = httpClient(api.url);
    const a = await http.signup();
    const b = await http.signup();
    const room = await http.createRoom(a.accessToken, 'Watched', [b.user.id]);

    // Whatever the gateways publish, as they would get it.
    listener = createRedisBus({ url: REDIS_URL, prefix });
    const seen: EventData<'presence.updated'>[] = [];
    listener.onMessage((_channel, payload) => {
      const { header, eventJson } = decodeEnvelope(payload);
      if (header.event === 'presence.updated') seen.push((JSON.parse(eventJson) as { data: EventData<'presence.updated'> }).data);
    });
    await listener.subscribe(Channels.room(room.id));

    // A gateway that registered a's connection, renewed its lease once, then died (no close).
    deadGateway = createRedisPresence({ url: REDIS_URL, prefix, nodeId: 'dead-gateway', ttlMs: 300 });
    await deadGateway.connect(a.user.id, 'c1');
    await deadGateway.heartbeat();

    const offline = await waitFor(() => seen.find((d) => d.userId === a.user.id && !d.online), {
      what: 'a reported offline',
      timeoutMs: 10_000,
    });
    expect(offline.lastSeenAt).not.toBeNull();
    expect((await api.services.presence.lookup([a.user.id]))[0]?.online).toBe(false);
    const metrics = await scrapeMetrics(worker.url);
    expect(metrics).toMatch(/^chatchat_job_runs_total\{job="presence-reaper",outcome="ok"\} [1-9]/m);
  });
});
