import { describe, expect, it } from 'vitest';
import type { ChatClient } from '@chatchat/client';
import type { Room } from '@chatchat/protocol';
import { useSdkServer, waitFor } from '@chatchat/server/testing';

const env = useSdkServer();
const connect = env.connect;

const seqs = (c: ChatClient, roomId: string) => c.messages(roomId).map((m) => m.seq);
const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** Three users, five devices, one group room. */
async function team() {
  const [a, b, c] = await Promise.all([env.http.signup(), env.http.signup(), env.http.signup()]);
  const room: Room = await env.http.createRoom(a.accessToken, 'Team', [b.user.id, c.user.id]);
  const devices = {
    a1: await connect(a),
    a2: await connect(a),
    b1: await connect(b),
    b2: await connect(b),
    c1: await connect(c),
  };
  return { a, b, c, room, devices, all: Object.values(devices) };
}

describe('SDK against the real server', () => {
  it('delivers every message to every device of every member, in seq order, exactly once', async () => {
    const { room, devices, all } = await team();
    const created = new Map<ChatClient, number[]>();
    for (const d of all) d.on('message.created', ({ message }) => created.set(d, [...(created.get(d) ?? []), message.seq]));

    const senders = [devices.a1, devices.b2, devices.c1];
    const acks = await Promise.all(Array.from({ length: 30 }, (_, i) => senders[i % 3]!.send(room.id, `msg ${i}`)));
    expect(acks.map((m) => m.seq).sort((x, y) => x - y)).toEqual(range(30));

    for (const d of all) {
      await waitFor(() => seqs(d, room.id).length === 30, { what: 'all 30 on a device' });
      expect(seqs(d, room.id)).toEqual(range(30));
      // Over the socket too: each seq arrived once.
      expect([...(created.get(d) ?? [])].sort((x, y) => x - y)).toEqual(range(30));
    }
  });

  it('stores and delivers a retried send once, with the same reply', async () => {
    const { room, devices, a } = await team();
    const data = { roomId: room.id, body: 'only once', clientMsgId: 'retry-me' };
    const [first, second] = await Promise.all([devices.a1.request('message.send', data), devices.a1.request('message.send', data)]);
    expect(second.message).toEqual(first.message);
    const third = await devices.a2.request('message.send', data);
    expect(third.message).toEqual(first.message);
    await waitFor(() => devices.b1.messages(room.id).length === 1);
    const history = await env.http.call('GET', `/api/v1/rooms/${room.id}/messages`, undefined, a.accessToken);
    expect(history.body.messages).toHaveLength(1);
    expect(devices.b1.messages(room.id).map((m) => m.body)).toEqual(['only once']);
  });

  it('pages history backwards by seq', async () => {
    const { room, a } = await team();
    for (let i = 1; i <= 45; i++) {
      await env.http.call('POST', `/api/v1/rooms/${room.id}/messages`, { body: `h${i}`, clientMsgId: `h${i}` }, a.accessToken);
    }
    const fresh = await connect(a);
    const page1 = await fresh.loadHistory(room.id, { limit: 20 });
    expect(page1.map((m) => m.seq)).toEqual(range(45).slice(25));
    const page2 = await fresh.loadHistory(room.id, { beforeSeq: 26, limit: 20 });
    expect(page2.map((m) => m.seq)).toEqual(range(25).slice(5));
    await fresh.loadHistory(room.id, { beforeSeq: 6, limit: 20 });
    expect(seqs(fresh, room.id)).toEqual(range(45));
    expect(fresh.hasMoreHistory(room.id)).toBe(false);
  });

  it('shows edits and deletes live on every device', async () => {
    const { room, devices, all } = await team();
    const message = await devices.a1.send(room.id, 'helo');
    await devices.a1.edit(message.id, 'hello');
    for (const d of all) await waitFor(() => d.messages(room.id).find((m) => m.id === message.id)?.body === 'hello');
    await devices.a2.delete(message.id);
    for (const d of all) await waitFor(() => d.messages(room.id).find((m) => m.id === message.id)?.deletedAt);
  });

  it('ends a burst interrupted by dropped connections with every acknowledged message shown once', async () => {
    const { a, b, room } = await team();
    const { proxy: proxyA, url: viaA } = await env.proxy();
    const { proxy: proxyB, url: viaB } = await env.proxy();
    const sender = await connect(a, viaA);
    const receiver = await connect(b, viaB);
    const steady = await connect(b);
    // Each has the room open, as a chat screen would: its window runs from the start, so a
    // first message missed while a link is down is a gap to fill, not history before the view.
    await Promise.all([sender, receiver, steady].map((d) => d.loadHistory(room.id)));
    const drops = { sender: 0, receiver: 0 };
    sender.on('disconnected', () => drops.sender++);
    receiver.on('disconnected', () => drops.receiver++);

    const total = 200;
    const sends: Promise<{ seq: number }>[] = [];
    for (let i = 0; i < total; i++) {
      sends.push(sender.send(room.id, `burst ${i}`));
      // Cut both links in the middle of the burst; the SDK reconnects, resends its outbox, fills gaps.
      if (i === 60) proxyB.cut();
      if (i === 100) proxyA.cut();
      if (i === 70) proxyB.resume();
      if (i === 110) proxyA.resume();
      if (i % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    const acked = await Promise.all(sends);
    expect(drops.sender).toBeGreaterThan(0);
    expect(drops.receiver).toBeGreaterThan(0);
    const ackedSeqs = acked.map((m) => m.seq).sort((x, y) => x - y);
    expect(new Set(ackedSeqs).size).toBe(total);
    const lastSeq = ackedSeqs.at(-1)!;
    for (const d of [sender, receiver, steady]) {
      await waitFor(() => seqs(d, room.id).at(-1) === lastSeq && seqs(d, room.id).length === lastSeq, {
        what: 'every acknowledged message on screen',
        timeoutMs: 15_000,
      });
      expect(seqs(d, room.id)).toEqual(range(lastSeq));
    }
    // Nothing stored twice: the server's history has exactly the acknowledged messages.
    expect(lastSeq).toBe(total);
    const bodies = steady.messages(room.id).map((m) => m.body);
    expect(new Set(bodies).size).toBe(total);
  }, 60_000);
});
