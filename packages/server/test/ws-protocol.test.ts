import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCodes, Limits } from '@chatchat/protocol';
import { startTestServer, scrapeMetrics, type TestServer, httpClient, RawClient, waitFor } from '@chatchat/server/testing';

/** True once the server has closed someone for being slow (read from its own metrics). */
async function sentClosed(server: TestServer): Promise<boolean> {
  const text = await scrapeMetrics(server.url);
  return /chatchat_ws_closes_total\{reason="slow_consumer"\} [1-9]/.test(text);
}

let server: TestServer;
let http: ReturnType<typeof httpClient>;
const open: RawClient[] = [];

async function connect() {
  const client = await RawClient.connect(server.wsUrl);
  open.push(client);
  return client;
}
async function hello(token: string) {
  const { client, snapshot } = await RawClient.hello(server.wsUrl, token);
  open.push(client);
  return { client, snapshot };
}

beforeAll(async () => {
  // Short enough for the never-authenticated test, long enough for a hello on a loaded machine
  // (the deadline covers answering it too).
  server = await startTestServer({ AUTH_TIMEOUT_MS: '2000' });
  http = httpClient(server.url);
});
afterAll(async () => {
  for (const c of open) c.close();
  await server.close();
});

describe('hello', () => {
  it('answers with the user and their rooms', async () => {
    const a = await http.signup();
    const room = await http.createRoom(a.accessToken, 'R', []);
    const { snapshot } = await hello(a.accessToken);
    expect(snapshot.user).toMatchObject({ id: a.user.id, username: a.user.username });
    expect(snapshot.rooms.map((r) => r.id)).toEqual([room.id]);
    expect(snapshot.totalUnread).toBe(0);
  });

  it('refuses every op before hello, and closes sockets that never authenticate', async () => {
    const client = await connect();
    const reply = await client.call('message.send', { roomId: 'x', body: 'hi', clientMsgId: '1' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await client.waitForClose()).toBe(CloseCodes.AuthTimeout.code);
  });

  it('rejects a bad token with unauthorized and close code 4401', async () => {
    const client = await connect();
    const reply = await client.call('hello', { token: 'not-a-jwt' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(await client.waitForClose()).toBe(CloseCodes.Unauthorized.code);
  });
});

describe('bad frames', () => {
  it('answers non-JSON, non-objects, unknown ops and bad data with errors and keeps the socket', async () => {
    const a = await http.signup();
    const { client } = await hello(a.accessToken);
    client.sendRaw('this is not json');
    client.sendRaw('[1,2]');
    client.sendRaw(Buffer.from([1, 2, 3]), true);
    const unknown = await client.call('message.fly', {});
    expect(unknown).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringContaining('unknown op') } });
    const nullErrors = client.frames.filter((f) => 're' in f && f.re === null);
    expect(nullErrors).toHaveLength(3);
    for (const f of nullErrors) expect(f).toMatchObject({ ok: false, error: { code: 'invalid' } });
    const badData = await client.call('message.send', { roomId: 42 });
    expect(badData).toMatchObject({ ok: false, error: { code: 'invalid' } });
    // Still serving this socket.
    expect((await client.call('ping', {})).ok).toBe(true);
  });

  it('answers Object.prototype names as unknown ops, before and after hello, and stays up', async () => {
    const names = ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];
    const a = await http.signup();
    const { client: member } = await hello(a.accessToken);
    // Opened last: the suite's auth timeout (300 ms) must not run out during the signup.
    const anonymous = await connect();
    for (const client of [anonymous, member]) {
      for (const op of names) {
        const reply = await client.call(op, {});
        expect(reply).toMatchObject({ ok: false, error: { code: 'invalid', message: expect.stringContaining('unknown op') } });
      }
    }
    // The same sockets, and a new one, are still served.
    expect((await member.call('ping', {})).ok).toBe(true);
    const { client: later } = await hello(a.accessToken);
    expect((await later.call('ping', {})).ok).toBe(true);
  });

  it('closes a socket that sends a frame over the size limit with 1009, and serves others meanwhile', async () => {
    const a = await http.signup();
    const { client: victim } = await hello(a.accessToken);
    const { client: bystander } = await hello(a.accessToken);
    victim.sendRaw(JSON.stringify({ id: '1', op: 'ping', data: { pad: 'x'.repeat(Limits.maxFrameBytes) } }));
    expect(await victim.waitForClose()).toBe(CloseCodes.FrameTooLarge.code);
    expect((await bystander.call('ping', {})).ok).toBe(true);
  });

  it('rate-limits a flooding socket', async () => {
    const limited = await startTestServer({ RATE_LIMIT_OPS_PER_SEC: '5', RATE_LIMIT_BURST: '5' });
    try {
      const a = await httpClient(limited.url).signup();
      const { client } = await RawClient.hello(limited.wsUrl, a.accessToken);
      const replies = await Promise.all(Array.from({ length: 12 }, () => client.call('ping', {})));
      expect(replies.filter((r) => !r.ok && r.error.code === 'rate_limited').length).toBeGreaterThan(0);
      client.close();
    } finally {
      await limited.close();
    }
  });
});

describe('metrics', () => {
  it('exposes connections, ops, deliveries, commit latency, bus counters and event-loop lag', async () => {
    const a = await http.signup();
    const room = await http.createRoom(a.accessToken, 'Metrics', []);
    const { client } = await hello(a.accessToken);
    await client.request('message.send', { roomId: room.id, body: 'count me', clientMsgId: 'metrics-1' });
    await client.waitForEvent('message.created');
    const text = await scrapeMetrics(server.url);
    for (const line of [
      /^chatchat_ws_connections [1-9]/m,
      /^chatchat_ws_ops_total\{op="message.send",outcome="ok"\} [1-9]/m,
      /^chatchat_ws_event_frames_total\{ev="message.created"\} [1-9]/m,
      /^chatchat_send_commit_seconds_count [1-9]/m,
      /^chatchat_bus_published_messages [1-9]/m,
      /^nodejs_eventloop_lag_seconds /m,
    ])
      expect(text).toMatch(line);
  });
});

describe('messages over the socket', () => {
  it('delivers to every device of every member, deduplicates retries, and rejects outsiders', async () => {
    const a = await http.signup();
    const b = await http.signup();
    const outsider = await http.signup();
    const room = await http.createRoom(a.accessToken, 'Live', [b.user.id]);
    const { client: a1 } = await hello(a.accessToken);
    const { client: a2 } = await hello(a.accessToken);
    const { client: b1 } = await hello(b.accessToken);
    const { client: o1 } = await hello(outsider.accessToken);

    const first = await a1.request('message.send', { roomId: room.id, body: 'hello', clientMsgId: 'm-1' });
    const retry = await a1.request('message.send', { roomId: room.id, body: 'hello', clientMsgId: 'm-1' });
    expect(retry.message).toEqual(first.message);
    expect(first.message).toMatchObject({ seq: 1, senderId: a.user.id, body: 'hello', roomId: room.id });

    for (const c of [a1, a2, b1]) await c.waitForEvent('message.created', (d) => d.message.seq === 1);
    await a1.request('message.send', { roomId: room.id, body: 'second', clientMsgId: 'm-2' });
    for (const c of [a1, a2, b1]) {
      await c.waitForEvent('message.created', (d) => d.message.seq === 2);
      expect(c.eventsOf('message.created').map((d) => d.message.seq)).toEqual([1, 2]);
    }
    // Marker: a later message to the outsider's own room from the same sender arrives, the room's did not.
    const theirs = await http.createRoom(a.accessToken, 'Theirs', [outsider.user.id]);
    await o1.waitForEvent('room.added', (e) => e.room.id === theirs.id);
    await a1.request('message.send', { roomId: theirs.id, body: 'marker', clientMsgId: 'm-marker' });
    await o1.waitForEvent('message.created', (d) => d.message.roomId === theirs.id);
    expect(o1.eventsOf('message.created').filter((d) => d.message.roomId === room.id)).toHaveLength(0);

    const denied = await o1.call('message.send', { roomId: room.id, body: 'let me in', clientMsgId: 'x' });
    expect(denied).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const nowhere = await o1.call('message.send', { roomId: 'no-such-room', body: 'hi', clientMsgId: 'y' });
    expect(nowhere).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('rejects empty, blank and over-long bodies', async () => {
    const a = await http.signup();
    const room = await http.createRoom(a.accessToken, 'Limits', []);
    const { client } = await hello(a.accessToken);
    for (const body of ['', '   ', 'x'.repeat(Limits.maxMessageChars + 1)]) {
      const reply = await client.call('message.send', { roomId: room.id, body, clientMsgId: `b${body.length}` });
      expect(reply).toMatchObject({ ok: false, error: { code: 'invalid' } });
    }
    const exact = await client.call('message.send', { roomId: room.id, body: 'y'.repeat(Limits.maxMessageChars), clientMsgId: 'max' });
    expect(exact.ok).toBe(true);
  });

  it('edits and deletes own messages live, and refuses others’', async () => {
    const a = await http.signup();
    const b = await http.signup();
    const room = await http.createRoom(a.accessToken, 'Edits', [b.user.id]);
    const { client: ca } = await hello(a.accessToken);
    const { client: cb } = await hello(b.accessToken);
    const { message } = await ca.request('message.send', { roomId: room.id, body: 'tpyo', clientMsgId: 'e1' });

    const notMine = await cb.call('message.edit', { messageId: message.id, body: 'hacked' });
    expect(notMine).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    await ca.request('message.edit', { messageId: message.id, body: 'typo' });
    const updated = await cb.waitForEvent('message.updated');
    expect(updated.message).toMatchObject({ id: message.id, body: 'typo', seq: message.seq });
    expect(updated.message.editedAt).not.toBeNull();

    await ca.request('message.delete', { messageId: message.id });
    const deleted = await cb.waitForEvent('message.deleted');
    expect(deleted.message).toMatchObject({ id: message.id, body: '' });
    expect(deleted.message.deletedAt).not.toBeNull();
    const again = await ca.call('message.edit', { messageId: message.id, body: 'back' });
    expect(again).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('closes a consumer that does not read with 4429 and keeps serving the others', async () => {
    const slow = await startTestServer({ MAX_BUFFERED_BYTES: '4096' });
    try {
      const client = httpClient(slow.url);
      const a = await client.signup();
      const b = await client.signup();
      const room = await client.createRoom(a.accessToken, 'Flood', [b.user.id]);
      const { client: sender } = await RawClient.hello(slow.wsUrl, a.accessToken);
      // b's socket stops reading: kernel buffers fill first, then the server's own buffer grows.
      const reader = new WebSocket(slow.wsUrl);
      await new Promise((r) => reader.once('open', r));
      let closeCode: number | undefined;
      reader.on('close', (code) => (closeCode = code));
      reader.send(JSON.stringify({ id: '1', op: 'hello', data: { token: b.accessToken } }));
      await new Promise((r) => reader.once('message', r));
      const raw = (reader as unknown as { _socket: { pause(): void; resume(): void } })._socket;
      raw.pause();
      const body = 'z'.repeat(Limits.maxMessageChars);
      let i = 0;
      // Bounded: 20 MB at most, far more than loopback buffers hold.
      while (i < 5000 && (i % 50 !== 0 || !(await sentClosed(slow)))) {
        await sender.request('message.send', { roomId: room.id, body, clientMsgId: `f${i++}` });
      }
      raw.resume();
      expect(await waitFor(() => closeCode, { what: 'slow consumer close', timeoutMs: 15000 })).toBe(CloseCodes.SlowConsumer.code);
      expect((await sender.call('ping', {})).ok).toBe(true);
      sender.close();
    } finally {
      await slow.close();
    }
  });
});
