import net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCodes, Limits } from '@chatchat/protocol';
import {
  holdHellos,
  httpClient,
  metric,
  RawClient,
  scrapeMetrics,
  startTestServer,
  waitFor,
  type TestServer,
} from '@chatchat/server/testing';

const servers: TestServer[] = [];
const open: (RawClient | WebSocket)[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c instanceof RawClient ? c.socket.terminate() : c.terminate();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function start(env: Record<string, string>) {
  const server = await startTestServer(env);
  servers.push(server);
  return { server, api: httpClient(server.url) };
}
async function connect(server: TestServer) {
  const client = await RawClient.connect(server.wsUrl);
  open.push(client);
  return client;
}

/** Sum of a metric's samples in a /metrics text whose labels contain `labels` (e.g. `op="message.list"`). */
describe('connection caps', () => {
  it('closes the hello of a user over MAX_SOCKETS_PER_USER with 4430, and keeps the others', async () => {
    const { server, api } = await start({ MAX_SOCKETS_PER_USER: '3' });
    const a = await api.signup();
    const first = await Promise.all(
      [1, 2, 3].map(async () => {
        const c = await connect(server);
        await c.request('hello', { token: a.accessToken });
        return c;
      }),
    );
    const extra = await connect(server);
    expect(await extra.call('hello', { token: a.accessToken })).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    expect(await extra.waitForClose()).toBe(CloseCodes.TooManyConnections.code);
    for (const c of first) expect((await c.call('ping', {})).ok).toBe(true);
    // Another user is not affected, and a freed place can be taken again.
    const b = await api.signup();
    await (await connect(server)).request('hello', { token: b.accessToken });
    first[0]!.close();
    await waitFor(() => server.gateway!.connectionsOf(a.user.id).size === 2, { what: 'a socket freed' });
    await (await connect(server)).request('hello', { token: a.accessToken });
  });

  it('refuses hellos over MAX_PENDING_HELLOS while others are being answered (4430, with retryAfterMs), and answers them once a place is free', async () => {
    const { server, api } = await start({ MAX_PENDING_HELLOS: '2' });
    const [a, b, c] = await Promise.all([api.signup(), api.signup(), api.signup()]);
    // Two hellos held inside the token check, as a storm of reconnects would keep them.
    const hold = holdHellos(server.services);
    const [ca, cb] = await Promise.all([connect(server), connect(server)]);
    const helloA = ca.call('hello', { token: a.accessToken });
    const helloB = cb.call('hello', { token: b.accessToken });
    await waitFor(() => hold.held() === 2, { what: 'two hellos being answered' });
    const extra = await connect(server);
    const refused = await extra.call('hello', { token: c.accessToken });
    expect(refused).toMatchObject({ ok: false, error: { code: 'rate_limited' } });
    // It says when to come back: a slot within the cap, not "some time".
    const retryAfterMs = refused.ok ? undefined : refused.error?.retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(Limits.maxRetryAfterMs);
    expect(await extra.waitForClose()).toBe(CloseCodes.TooManyConnections.code);
    hold.release();
    expect((await helloA).ok).toBe(true);
    expect((await helloB).ok).toBe(true);
    // The refused client's retry is answered.
    await (await connect(server)).request('hello', { token: c.accessToken });
  });

  it('closes anonymous sockets over MAX_ANONYMOUS_SOCKETS_PER_IP with 4430; a hello frees a place', async () => {
    const { server, api } = await start({ MAX_ANONYMOUS_SOCKETS_PER_IP: '3' });
    const a = await api.signup();
    const anonymous = [await connect(server), await connect(server), await connect(server)];
    const extra = await connect(server);
    expect(await extra.waitForClose()).toBe(CloseCodes.TooManyConnections.code);
    // The first three are served (before hello, that is an `unauthorized` answer).
    for (const c of anonymous) expect(await c.call('ping', {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    await anonymous[0]!.request('hello', { token: a.accessToken });
    const next = await connect(server);
    expect(await next.call('ping', {})).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    // ...and the place is taken again.
    expect(await (await connect(server)).waitForClose()).toBe(CloseCodes.TooManyConnections.code);
  });

  it('rate-limits a user across all their sockets, not per socket', async () => {
    const { server, api } = await start({ RATE_LIMIT_OPS_PER_SEC: '1', RATE_LIMIT_BURST: '6' });
    const a = await api.signup();
    const sockets = await Promise.all(
      [1, 2, 3].map(async () => {
        const c = await connect(server);
        await c.request('hello', { token: a.accessToken });
        return c;
      }),
    );
    // 3 × 4 pings: each socket alone stays inside a burst of 6, the user does not.
    const replies = (await Promise.all(sockets.map((c) => Promise.all([1, 2, 3, 4].map(() => c.call('ping', {})))))).flat();
    const limited = replies.filter((r) => !r.ok && r.error.code === 'rate_limited').length;
    expect(limited).toBeGreaterThanOrEqual(12 - 6 - 2);
    // Another user has a bucket of their own.
    const b = await api.signup();
    const other = await connect(server);
    await other.request('hello', { token: b.accessToken });
    expect((await other.call('ping', {})).ok).toBe(true);
  });

  it('answers requests beyond MAX_IN_FLIGHT_PER_SOCKET with rate_limited', async () => {
    const { server, api } = await start({ MAX_IN_FLIGHT_PER_SOCKET: '2' });
    const a = await api.signup();
    const room = await api.createRoom(a.accessToken, 'R', []);
    const client = await connect(server);
    await client.request('hello', { token: a.accessToken });
    // Sends of one socket commit one after another, so they stay in flight together.
    const replies = await Promise.all(
      Array.from({ length: 6 }, (_, i) => client.call('message.send', { roomId: room.id, body: 'x', clientMsgId: `f${i}` })),
    );
    expect(replies.filter((r) => !r.ok && r.error.code === 'rate_limited').length).toBeGreaterThan(0);
    expect(replies.filter((r) => r.ok).length).toBeGreaterThanOrEqual(2);
    expect((await client.call('ping', {})).ok).toBe(true);
  });
});

describe('what a socket that stops reading can make the server hold', () => {
  it('never more than MAX_BUFFERED_BYTES per socket: a reply that does not fit closes it instead', async () => {
    // Above one page, so the rule for a frame larger than the whole limit does not come into it.
    const maxBuffered = 8 * 1024 * 1024;
    const { server, api } = await start({ MAX_BUFFERED_BYTES: String(maxBuffered) });
    const a = await api.signup();
    const room = await api.createRoom(a.accessToken, 'Big', []);
    const writer = await connect(server);
    await writer.request('hello', { token: a.accessToken });
    // 200 bodies of 4000 control characters, 6 bytes each in JSON: one full page is a reply of ~4.9 MB.
    const body = '\u0001'.repeat(Limits.maxMessageChars);
    for (let i = 0; i < Limits.maxHistoryPage; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, k) => writer.request('message.send', { roomId: room.id, body, clientMsgId: `big-${i + k}` })),
      );
    }
    const sockets = 10;
    const perSocket = 8;
    const readers = await Promise.all(
      Array.from({ length: sockets }, async () => {
        const ws = new WebSocket(server.wsUrl);
        open.push(ws);
        await new Promise((resolve) => ws.once('open', resolve));
        ws.send(JSON.stringify({ id: 'h', op: 'hello', data: { token: a.accessToken } }));
        await new Promise((resolve) => ws.once('message', resolve));
        // From here on this client reads nothing: kernel buffers fill, then the server's.
        (ws as unknown as { _socket: net.Socket })._socket.pause();
        return ws;
      }),
    );
    for (const ws of readers) {
      for (let i = 0; i < perSocket; i++) {
        ws.send(JSON.stringify({ id: `l${i}`, op: 'message.list', data: { roomId: room.id, afterSeq: 0, limit: Limits.maxHistoryPage } }));
      }
    }
    // One scrape, as soon as every stalled socket was closed (well inside the 10 s in which a
    // closed socket that does not read keeps its buffer): what the server held for them then.
    const scrape = await waitFor(
      async () => {
        const text = await scrapeMetrics(server.url);
        return metric(text, 'chatchat_ws_closes_total', 'reason="slow_consumer"') === sockets ? text : null;
      },
      { what: 'every stalled socket closed', timeoutMs: 20_000, intervalMs: 20 },
    );
    const buffered = metric(scrape, 'chatchat_ws_buffered_bytes');
    console.info(
      `[ws-limits] ${sockets} stalled sockets × ${perSocket} pages of ~4.9 MB: ` +
        `${(buffered / 1e6).toFixed(1)} MB held by the server at their close (limit ${sockets} × ${(maxBuffered / 1e6).toFixed(1)} MB)`,
    );
    expect(buffered).toBeGreaterThan(0);
    expect(buffered).toBeLessThanOrEqual(sockets * maxBuffered);
    await waitFor(
      async () => metric(await scrapeMetrics(server.url), 'chatchat_ws_ops_total', 'op="message.list"') === sockets * perSocket,
      { what: 'every message.list handled', timeoutMs: 20_000, intervalMs: 50 },
    );
    // Everyone else is still served.
    expect((await writer.call('ping', {})).ok).toBe(true);
  });
});

/** Sends a raw upgrade request and returns the status line the server answers with. */
function rawUpgrade(port: number, path: string): Promise<{ statusLine: string; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('error', reject);
    socket.on('close', () => resolve({ statusLine: data.split('\r\n')[0] ?? '', ended: true }));
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
  });
}

/** Opens a WebSocket with the given Origin header (none if undefined); the HTTP status if refused. */
function openWithOrigin(url: string, origin: string | undefined): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin === undefined ? {} : { origin });
    open.push(ws);
    ws.once('open', () => resolve('open'));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

describe('upgrades', () => {
  it('answers an upgrade to any path but /ws with 404 and closes the connection', async () => {
    const { server } = await start({});
    for (const path of ['/', '/other', '/ws/', '/wsx', '/api/v1/me']) {
      expect(await rawUpgrade(server.port, path)).toEqual({ statusLine: 'HTTP/1.1 404 Not Found', ended: true });
    }
    expect(await openWithOrigin(`${server.wsUrl}?v=1`, undefined)).toBe('open');
  });

  it('allows the same origin and clients without Origin by default, refuses other origins with 403', async () => {
    const { server } = await start({ ALLOWED_ORIGINS: '' });
    expect(await openWithOrigin(server.wsUrl, `http://127.0.0.1:${server.port}`)).toBe('open');
    expect(await openWithOrigin(server.wsUrl, undefined)).toBe('open');
    expect(await openWithOrigin(server.wsUrl, 'http://evil.example')).toBe(403);
    expect(await openWithOrigin(server.wsUrl, `http://127.0.0.1:${server.port + 1}`)).toBe(403);
    expect(await openWithOrigin(server.wsUrl, 'null')).toBe(403);
  });

  it('allows exactly the listed origins when ALLOWED_ORIGINS is set', async () => {
    const { server } = await start({ ALLOWED_ORIGINS: 'https://chat.example.com, http://localhost:5173' });
    expect(await openWithOrigin(server.wsUrl, 'https://chat.example.com')).toBe('open');
    expect(await openWithOrigin(server.wsUrl, 'http://localhost:5173')).toBe('open');
    expect(await openWithOrigin(server.wsUrl, `http://127.0.0.1:${server.port}`)).toBe(403);
    expect(await openWithOrigin(server.wsUrl, 'https://chat.example.com.evil.example')).toBe(403);
  });
});
