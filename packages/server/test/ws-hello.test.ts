import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCodes } from '@chatchat/protocol';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { systemClock } from '../src/ports/clock.js';
import { createStore } from '../src/adapters/store/index.js';
import { createMemoryHub } from '../src/adapters/bus/memory-hub.js';
import { createMemoryPresence } from '../src/adapters/presence/memory-presence.js';
import { createMetrics } from '../src/observability/metrics.js';
import { createServices, type Services } from '../src/services.js';
import { createGateway, type Gateway } from '../src/gateway/gateway.js';
import { httpClient, RawClient, startTestServer, waitFor, type TestServer } from '@chatchat/server/testing';

const open: RawClient[] = [];
afterAll(() => {
  for (const c of open) c.close();
});
const track = (client: RawClient) => (open.push(client), client);

/**
 * A gateway over real adapters (SQLite file, in-process bus and presence) whose snapshot
 * service fails for the users in `failing`: the store is real, only `snapshots.build` is
 * swapped through the gateway's options.
 */
async function startGatewayWithFailingSnapshots() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chatchat-hello-'));
  const config = loadConfig({ DATA_DIR: dataDir, JWT_SECRET: 'test-secret-0123456789abcdef', READ_COALESCE_MS: '0' });
  const log = createLogger({ level: 'silent' });
  const metrics = createMetrics();
  const store = await createStore({ kind: 'sqlite', file: path.join(dataDir, 'chatchat.db'), synchronous: 'NORMAL' });
  await store.migrate();
  const bus = createMemoryHub().createBus();
  const presence = createMemoryPresence();
  const services = createServices({ config, store, bus, presence, clock: systemClock, log, metrics });
  const failing = new Set<string>();
  const wired: Services = {
    ...services,
    snapshots: {
      ...services.snapshots,
      async build(user, connectionId) {
        if (failing.has(user.id)) throw new Error('snapshot read failed');
        return services.snapshots.build(user, connectionId);
      },
    },
  };
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const gateway: Gateway = createGateway({
    server,
    bus,
    services: wired,
    log,
    metrics,
    heartbeatMs: 60_000,
    authTimeoutMs: 10_000,
    maxBufferedBytes: 1 << 22,
    rateLimitOpsPerSec: 1000,
    rateLimitBurst: 1000,
    maxSocketsPerUser: 10,
    maxPendingHellos: 200,
    maxAnonymousSocketsPerAddress: 100,
    maxInFlightPerSocket: 32,
    allowedOrigins: null,
    trustProxy: false,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const wsUrl = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`;
  let n = 0;
  return {
    wsUrl,
    services,
    gateway,
    failing,
    signup: (name = `u${Date.now().toString(36)}${n++}`) =>
      services.auth.signup({ username: name, password: 'correct horse battery', displayName: name }),
    async close() {
      await gateway.close();
      await new Promise((resolve) => server.close(resolve));
      services.close();
      await bus.close();
      await presence.close();
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe('a hello that fails after the token was accepted', () => {
  let env: Awaited<ReturnType<typeof startGatewayWithFailingSnapshots>>;
  beforeAll(async () => {
    env = await startGatewayWithFailingSnapshots();
  });
  afterAll(async () => {
    await env?.close();
  });

  it('answers internal, leaves nothing routed or online, closes with 1011, and a later hello works', async () => {
    const victim = await env.signup();
    const peer = await env.signup();
    const room = await env.services.rooms.createGroup(peer.user.id, { name: 'Shared', memberIds: [victim.user.id] });
    const watcher = track(await RawClient.connect(env.wsUrl));
    await watcher.request('hello', { token: peer.accessToken });

    env.failing.add(victim.user.id);
    // A peer that never answers the server's close frame: its socket stays open on the server
    // (for the 10 s close timeout), so what is undone below is undone by the failed hello itself.
    const stuck = track(await RawClient.connect(env.wsUrl));
    (stuck.socket as unknown as { _sender: { close(): void } })._sender.close = () => {};
    const reply = await stuck.call('hello', { token: victim.accessToken });
    expect(reply).toMatchObject({ ok: false, error: { code: 'internal', message: 'internal error' } });
    expect(env.gateway.connectionsOf(victim.user.id).size).toBe(0);
    // The hello had marked the victim online; the failure took that back, and the peer saw both.
    await watcher.waitForEvent('presence.updated', (d) => d.userId === victim.user.id && !d.online);
    expect((await env.services.presence.lookup([victim.user.id]))[0]?.online).toBe(false);
    expect(env.gateway.connectionCount).toBe(2);
    stuck.socket.terminate();

    const client = track(await RawClient.connect(env.wsUrl));
    expect(await client.call('hello', { token: victim.accessToken })).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(await client.waitForClose()).toBe(CloseCodes.InternalError.code);

    // Nothing was left behind that would refuse or confuse the next attempt.
    env.failing.delete(victim.user.id);
    const retry = track(await RawClient.connect(env.wsUrl));
    const snapshot = await retry.request('hello', { token: victim.accessToken });
    expect(snapshot.rooms.map((r) => r.id)).toEqual([room.id]);
    expect(env.gateway.connectionsOf(victim.user.id).size).toBe(1);
  });
});

describe('hello state', () => {
  let server: TestServer;
  let api: ReturnType<typeof httpClient>;
  beforeAll(async () => {
    server = await startTestServer();
    api = httpClient(server.url);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('refuses a second hello pipelined behind the first, and the first user leaks nothing when the socket closes', async () => {
    const a = await api.signup();
    const b = await api.signup();
    const client = track(await RawClient.connect(server.wsUrl));
    // Both frames leave before any reply: the second arrives while the first awaits its token check.
    client.sendRaw(JSON.stringify({ id: 'first', op: 'hello', data: { token: a.accessToken } }));
    client.sendRaw(JSON.stringify({ id: 'second', op: 'hello', data: { token: b.accessToken } }));
    const first = await waitFor(() => client.lastReplyFor('first'), { what: 'first hello reply' });
    const second = await waitFor(() => client.lastReplyFor('second'), { what: 'second hello reply' });
    expect(first).toMatchObject({ ok: true, data: { user: { id: a.user.id } } });
    expect(second).toMatchObject({ ok: false, error: { code: 'invalid', message: 'hello already in progress' } });
    expect(server.gateway!.connectionsOf(b.user.id).size).toBe(0);
    expect((await server.services.presence.lookup([b.user.id]))[0]?.online).toBe(false);

    const third = await client.call('hello', { token: b.accessToken });
    expect(third).toMatchObject({ ok: false, error: { code: 'invalid', message: 'already authenticated' } });
    expect((await client.call('ping', {})).ok).toBe(true);

    client.close();
    await waitFor(() => server.gateway!.connectionsOf(a.user.id).size === 0, { what: 'a unrouted' });
    await waitFor(async () => (await server.services.presence.lookup([a.user.id]))[0]?.online === false, { what: 'a offline' });
  });
});
