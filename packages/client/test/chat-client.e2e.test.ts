import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuthResponse } from '@chatchat/protocol';
import { holdHellos, startTestServer, waitFor, type TestServer } from '@chatchat/server/testing';
import { createChatClient, createHttpApi, type ChatClient, type ChatClientOptions, type UnreadSignal } from '../src/index.js';

/**
 * End-to-end against the real embedded server (SQLite in a temp dir, port 0).
 * Network trouble is made with real sockets: a gate that terminates the current socket and
 * sends new attempts to a closed port until it is opened again.
 */

let server: TestServer;
const clients: ChatClient[] = [];

function gatedWebSocket() {
  const gate = { open: true, deaf: false, sockets: [] as WebSocket[] };
  class GatedWebSocket extends WebSocket {
    constructor(url: string) {
      // Port 1 refuses at once: a failed attempt, like a network that is down.
      super(gate.open ? url : 'ws://127.0.0.1:1/ws');
      gate.sockets.push(this);
    }
    override emit(event: string | symbol, ...args: any[]): boolean {
      // A deaf socket loses every incoming frame, e.g. the reply to a send the server stored.
      if (event === 'message' && gate.deaf) return false;
      return super.emit(event, ...args);
    }
  }
  return {
    WebSocket: GatedWebSocket,
    deafen() {
      gate.deaf = true;
    },
    cut() {
      gate.open = false;
      for (const s of gate.sockets) s.terminate();
      gate.sockets = [];
    },
    restore() {
      gate.open = true;
      gate.deaf = false;
    },
  };
}

function client(options: Partial<ChatClientOptions> & { token?: string }): ChatClient {
  const c = createChatClient({
    url: server.url,
    WebSocket,
    backoff: { initialMs: 20, maxMs: 100 },
    requestTimeoutMs: 3000,
    gapGraceMs: 20,
    ...options,
  });
  clients.push(c);
  return c;
}

let counter = 0;
async function signup(): Promise<AuthResponse> {
  const name = `u${Date.now().toString(36)}${counter++}`;
  return createHttpApi({ url: server.url }).signup({ username: name, password: 'correct horse battery', displayName: name });
}

beforeAll(async () => {
  server = await startTestServer({ READ_COALESCE_MS: '20' });
});
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});
afterAll(() => server?.close());

describe('chat client against the real server', () => {
  it('delivers, counts unread, notifies, and counts readers down live', async () => {
    const [a, b, c] = await Promise.all([signup(), signup(), signup()]);
    const api = createHttpApi({ url: server.url, getToken: () => a.accessToken });
    const { room } = await api.createRoom({ name: 'e2e', memberIds: [b.user.id, c.user.id] });
    const alice = client({ token: a.accessToken });
    const bob = client({ token: b.accessToken });
    const carol = client({ token: c.accessToken });
    await Promise.all([alice.connect(), bob.connect(), carol.connect()]);
    await alice.loadReaders(room.id);
    const unread: UnreadSignal[] = [];
    bob.on('unread', (u) => unread.push(u));

    const sent = await alice.send(room.id, 'hello bob');
    expect(alice.messages(room.id).map((m) => m.body)).toEqual(['hello bob']);
    expect(alice.pending(room.id)).toEqual([]);
    await waitFor(() => bob.messages(room.id).length === 1, { what: 'bob gets the message' });
    expect(bob.room(room.id)!.unreadCount).toBe(1);
    expect(bob.totalUnread()).toBe(1);
    expect(unread).toHaveLength(1);
    expect(unread[0]!.message.id).toBe(sent.id);
    expect(unread[0]!.totalUnread).toBe(1);

    expect(alice.readCount(room.id, sent.seq)).toBe(2);
    await bob.markRead(room.id);
    expect(bob.room(room.id)!.unreadCount).toBe(0);
    await waitFor(() => alice.readCount(room.id, sent.seq) === 1, { what: 'alice sees bob read' });
    await carol.markRead(room.id, sent.seq);
    await waitFor(() => alice.readCount(room.id, sent.seq) === 0, { what: 'alice sees carol read' });

    bob.typing(room.id);
    await waitFor(() => alice.typingUsers(room.id).includes(b.user.id), { what: 'typing indicator' });

    const edited = await alice.edit(sent.id, 'hello bob (edited)');
    await waitFor(() => bob.messages(room.id)[0]?.body === edited.body, { what: 'edit reaches bob' });
    await alice.delete(sent.id);
    await waitFor(() => bob.messages(room.id)[0]?.deletedAt, { what: 'delete reaches bob' });
  });

  it('after a reconnect fills what was missed: nothing missing, nothing twice', async () => {
    const [a, b] = await Promise.all([signup(), signup()]);
    const { room } = await createHttpApi({ url: server.url, getToken: () => a.accessToken }).createRoom({
      name: 'gap',
      memberIds: [b.user.id],
    });
    const alice = client({ token: a.accessToken });
    const net = gatedWebSocket();
    const bob = client({ token: b.accessToken, WebSocket: net.WebSocket });
    await Promise.all([alice.connect(), bob.connect()]);
    for (let i = 1; i <= 3; i++) await alice.send(room.id, `before ${i}`);
    await bob.loadHistory(room.id);
    await waitFor(() => bob.messages(room.id).length === 3, { what: 'bob has the first three' });

    let resynced = 0;
    bob.on('resynced', () => resynced++);
    net.cut();
    await waitFor(() => bob.status !== 'connected', { what: 'bob offline' });
    for (let i = 1; i <= 250; i++) await alice.send(room.id, `while away ${i}`); // more than one page
    net.restore();
    await waitFor(() => resynced > 0, { what: 'bob resynced', timeoutMs: 10_000 });

    const seqs = bob.messages(room.id).map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: 253 }, (_, i) => i + 1));
    expect(bob.room(room.id)!.unreadCount).toBe(253);
  });

  it('a send whose ack was lost, and a send made offline, are each stored exactly once', async () => {
    const [a, b] = await Promise.all([signup(), signup()]);
    const { room } = await createHttpApi({ url: server.url, getToken: () => a.accessToken }).createRoom({
      name: 'outbox',
      memberIds: [b.user.id],
    });
    const bobApi = createHttpApi({ url: server.url, getToken: () => b.accessToken });
    const net = gatedWebSocket();
    const alice = client({ token: a.accessToken, WebSocket: net.WebSocket });
    const bob = client({ token: b.accessToken });
    await Promise.all([alice.connect(), bob.connect()]);

    net.deafen();
    const ackLost = alice.send(room.id, 'stored, ack lost');
    await waitFor(async () => (await bobApi.history(room.id)).messages.length === 1, { what: 'the server stored it' });
    net.cut();
    const offline = alice.send(room.id, 'queued offline');
    expect(alice.pending(room.id).map((e) => e.body)).toEqual(['stored, ack lost', 'queued offline']);
    net.restore();
    const [m1, m2] = await Promise.all([ackLost, offline]);
    expect(m2.seq).toBe(m1.seq + 1);

    const { messages } = await bobApi.history(room.id);
    expect(messages.map((m) => m.body)).toEqual(['stored, ack lost', 'queued offline']);
    await waitFor(() => bob.messages(room.id).length === 2, { what: 'bob gets both' });
    expect(bob.messages(room.id).map((m) => m.body)).toEqual(['stored, ack lost', 'queued offline']);
    expect(alice.messages(room.id).map((m) => m.seq)).toEqual([m1.seq, m2.seq]);
    expect(alice.pending(room.id)).toEqual([]);
  });

  it('a rejected token is replaced through getToken; without getToken the client stops', async () => {
    const a = await signup();
    let calls = 0;
    const alice = client({ getToken: async () => (++calls === 1 ? 'not-a-token' : a.accessToken) });
    const snapshot = await alice.connect();
    expect(snapshot.user.id).toBe(a.user.id);
    expect(calls).toBe(2);

    const stuck = client({ token: 'not-a-token' });
    const errors: string[] = [];
    stuck.on('error', (e) => errors.push(e.code));
    await expect(stuck.connect()).rejects.toMatchObject({ code: 'unauthorized' });
    expect(errors).toEqual(['unauthorized']);
    expect(stuck.status).toBe('idle');
  });

  it('live room list: added, notice, member joined and left', async () => {
    const [a, b, c] = await Promise.all([signup(), signup(), signup()]);
    const api = createHttpApi({ url: server.url, getToken: () => a.accessToken });
    const bob = client({ token: b.accessToken });
    await bob.connect();
    const { room } = await api.createRoom({ name: 'live', memberIds: [b.user.id] });
    await waitFor(() => bob.room(room.id), { what: 'room.added' });
    // Pointers load when a room is shown; from then on member events keep them live.
    expect(bob.readers(room.id)).toBeUndefined();
    expect(await bob.loadReaders(room.id)).toHaveLength(2);
    await api.addMembers(room.id, [c.user.id]);
    await waitFor(() => bob.readers(room.id)?.length === 3, { what: 'member.joined' });
    expect(bob.room(room.id)!.memberCount).toBe(3);
    expect(bob.user(c.user.id)?.username).toBe(c.user.username);
    const { notice } = await api.postNotice(room.id, 'be nice');
    await waitFor(() => bob.room(room.id)!.notice?.id === notice.id, { what: 'notice.created' });
    await api.kickMember(room.id, c.user.id);
    await waitFor(() => bob.readers(room.id)?.length === 2, { what: 'member.left' });
    await api.kickMember(room.id, b.user.id);
    await waitFor(() => !bob.room(room.id), { what: 'room.removed' });
  });
  it('notices a dead network by its own ping and reconnects', async () => {
    const a = await signup();
    const net = gatedWebSocket();
    const alice = client({ token: a.accessToken, WebSocket: net.WebSocket, pingIntervalMs: 50, requestTimeoutMs: 200 });
    await alice.connect();
    const closes: number[] = [];
    alice.on('disconnected', (d) => closes.push(d.code));
    let connects = 0;
    alice.on('connected', () => connects++);
    net.deafen();
    await waitFor(() => closes.length > 0, { what: 'ping timeout' });
    expect(closes[0]).toBe(4000);
    net.restore();
    await waitFor(() => connects > 0 && alice.status === 'connected', { what: 'reconnected' });
  });

  it("comes back at the slot a busy server's refusal names (retryAfterMs), not at its own backoff", async () => {
    const busy = await startTestServer({ MAX_PENDING_HELLOS: '1' });
    try {
      const http = createHttpApi({ url: busy.url });
      const [a, b] = await Promise.all(
        ['a', 'b'].map((p) => http.signup({ username: `busy${p}${counter++}`, password: 'correct horse battery', displayName: p })),
      );
      // Alice's hello holds the only place inside the token check.
      const hold = holdHellos(busy.services);
      const alice = client({ url: busy.url, token: a!.accessToken });
      const aliceUp = alice.connect();
      await waitFor(() => hold.held() === 1, { what: "alice's hello being answered" });
      // A backoff of at most 1 ms: any longer wait is the server's slot (about one mean hello).
      const bob = client({ url: busy.url, token: b!.accessToken, backoff: { initialMs: 1, maxMs: 1 } });
      const retries: number[] = [];
      bob.on('reconnecting', (r) => retries.push(r.delayMs));
      const bobUp = bob.connect();
      await waitFor(() => retries.length > 0, { what: "bob's refused hello" });
      expect(retries[0]).toBeGreaterThanOrEqual(10);
      hold.release();
      await Promise.all([aliceUp, bobUp]);
    } finally {
      await busy.close();
    }
  });

  it('reconnects at once when the server drains (4503)', async () => {
    const draining = await startTestServer();
    try {
      const a = await createHttpApi({ url: draining.url }).signup({
        username: `drain${counter++}`,
        password: 'correct horse battery',
        displayName: 'd',
      });
      const alice = client({ url: draining.url, token: a.accessToken, backoff: { initialMs: 5000, maxMs: 5000 } });
      await alice.connect();
      const seen: string[] = [];
      alice.on('disconnected', (d) => seen.push(`closed ${d.code} ${d.willReconnect}`));
      alice.on('reconnecting', (r) => seen.push(`retry in ${r.delayMs}`));
      await draining.gateway!.drain(1000);
      await waitFor(() => seen.length >= 2, { what: 'drain close' });
      expect(seen.slice(0, 2)).toEqual(['closed 4503 true', 'retry in 0']);
    } finally {
      await draining.close();
    }
  });
});
