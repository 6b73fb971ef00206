import { describe, expect, it } from 'vitest';
import type { UnreadSignal } from '@chatchat/client';
import { readSpacingMs } from '@chatchat/protocol';
import { metric, scrapeMetrics, useSdkServer, waitFor } from '@chatchat/server/testing';

const env = useSdkServer({ READ_COALESCE_MS: '30' });
const connect = env.connect;

describe('live state through the SDK', () => {
  it('shows the KakaoTalk count going 3 → 2 → 1 → 0 on every device as members read', async () => {
    const t = await env.fourUsers();
    const message = await t.a1.send(t.room.id, 'who has read this?');
    for (const dev of t.devices) await waitFor(() => dev.readCount(t.room.id, message.seq) === 3, { what: 'count 3' });
    let expected = 3;
    for (const reader of [t.b1, t.c2, t.d1]) {
      await reader.markRead(t.room.id, message.seq);
      expected--;
      for (const dev of t.devices) await waitFor(() => dev.readCount(t.room.id, message.seq) === expected, { what: `count ${expected}` });
    }
  });

  it("spaces a big room's read pointer moves (the newest goes), while my own count moves at once", async () => {
    const [owner, me, ...others] = await Promise.all(Array.from({ length: 101 }, () => env.http.signup()));
    const room = await env.http.createRoom(
      owner!.accessToken,
      'Big',
      [me!, ...others].map((u) => u!.user.id),
    );
    expect(readSpacingMs(101)).toBeGreaterThan(0);
    const mine = await connect(me!);
    const theirs = await connect(owner!);
    await theirs.loadReaders(room.id);
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await theirs.send(room.id, `m${i}`));
    await waitFor(() => mine.room(room.id)?.lastSeq === 5, { what: 'all five here' });
    const readOps = async () => metric(await scrapeMetrics(env.server.url), 'chatchat_ws_ops_total', 'op="room.read",outcome="ok"');
    const before = await readOps();
    const start = Date.now();
    await mine.markRead(room.id, sent[0]!.seq);
    // The next move goes no sooner than the spacing after the first went out.
    const second = mine.markRead(room.id, sent[1]!.seq);
    expect(mine.room(room.id)?.unreadCount).toBe(3);
    await second;
    expect(Date.now() - start).toBeGreaterThanOrEqual(readSpacingMs(101));
    const moves = sent.slice(2).map((m) => mine.markRead(room.id, m.seq));
    // Shown as read here at once, whatever goes to the server when.
    expect(mine.room(room.id)?.unreadCount).toBe(0);
    await Promise.all(moves);
    await waitFor(() => theirs.readers(room.id)?.find((m) => m.userId === me!.user.id)?.lastReadSeq === 5, { what: 'pointer at 5' });
    // One request per move that went: the first, the second, and the newest of the last three.
    expect((await readOps()) - before).toBe(3);
  });

  it('does not count a member who joined after the message', async () => {
    const t = await env.fourUsers();
    const early = await t.a1.send(t.room.id, 'before you came');
    const late = await env.http.signup();
    await t.a1.api.addMembers(t.room.id, [late.user.id]);
    const lateDevice = await connect(late);
    await lateDevice.loadReaders(t.room.id);
    for (const [name, dev] of [
      ['a1', t.a1],
      ['b1', t.b1],
      ['late', lateDevice],
    ] as const) {
      await waitFor(() => dev.readers(t.room.id)?.some((m) => m.userId === late.user.id), { what: `late joiner in readers of ${name}` });
      expect(dev.readCount(t.room.id, early.seq)).toBe(3);
    }
    // The newcomer counts for what comes after: a, c, d and the newcomer have not read it (b sent it).
    const after = await t.b1.send(t.room.id, 'after you came');
    for (const dev of [t.a1, lateDevice]) await waitFor(() => dev.readCount(t.room.id, after.seq) === 4, { what: 'count 4' });
  });

  it('drops the unread count on my second device when I read on the first, and raises unread signals', async () => {
    const t = await env.fourUsers();
    const signals: UnreadSignal[] = [];
    t.b2.on('unread', (s) => signals.push(s));
    for (let i = 0; i < 3; i++) await t.a1.send(t.room.id, `unread ${i}`);
    await waitFor(() => t.b2.room(t.room.id)?.unreadCount === 3, { what: 'unread 3 on b2' });
    expect(t.b2.totalUnread()).toBe(3);
    expect(signals.map((s) => s.totalUnread)).toEqual([1, 2, 3]);
    expect(t.a2.room(t.room.id)?.unreadCount).toBe(0);
    await t.b1.markRead(t.room.id);
    await waitFor(() => t.b2.room(t.room.id)?.unreadCount === 0, { what: 'b2 unread drops to 0' });
    expect(t.b2.room(t.room.id)?.lastMessage?.body).toBe('unread 2');
  });

  it('keeps presence and profiles live, and expires typing indicators', async () => {
    const t = await env.fourUsers();
    await waitFor(() => t.a1.presence(t.b.user.id)?.online, { what: 'b online' });
    const seen: boolean[] = [];
    t.a1.on('presence.updated', (p) => p.userId === t.b.user.id && seen.push(p.online));
    t.b1.close();
    // Marker on the presence path, closed after b1: c going offline reaches a1 after anything b1's close caused.
    t.c1.close();
    t.c2.close();
    await waitFor(() => t.a1.presence(t.c.user.id)?.online === false, { what: 'c offline (marker)' });
    expect(seen).toEqual([]);
    expect(t.a1.presence(t.b.user.id)?.online).toBe(true);
    t.b2.close();
    await waitFor(() => t.a1.presence(t.b.user.id)?.online === false, { what: 'b offline after last device' });
    expect(seen).toEqual([false]);

    await t.c1.api.updateMe({ displayName: 'Cee' });
    for (const dev of [t.a1, t.d2]) await waitFor(() => dev.user(t.c.user.id)?.displayName === 'Cee', { what: 'profile synced' });

    t.d1.typing(t.room.id);
    await waitFor(() => t.a1.typingUsers(t.room.id).includes(t.d.user.id), { what: 'typing shown' });
    expect(t.d2.typingUsers(t.room.id)).toEqual([]);
    // Expires on the client after Limits.typingExpiryMs without a new typing event.
    await waitFor(() => t.a1.typingUsers(t.room.id).length === 0, { what: 'typing expired', timeoutMs: 8000 });
  }, 20_000);

  it('keeps the room list, members and notices live', async () => {
    const t = await env.fourUsers();
    const notice = await t.a1.api.postNotice(t.room.id, 'Read the rules');
    for (const dev of [t.b1, t.d2]) await waitFor(() => dev.room(t.room.id)?.notice?.id === notice.notice.id, { what: 'notice' });
    await t.a1.api.kickMember(t.room.id, t.d.user.id);
    for (const dev of [t.d1, t.d2]) await waitFor(() => !dev.room(t.room.id), { what: 'room removed for the kicked' });
    for (const dev of [t.b1, t.c2])
      await waitFor(() => dev.readers(t.room.id)?.every((m) => m.userId !== t.d.user.id), { what: 'member gone' });
    const group = await env.http.createRoom(t.b.accessToken, 'New', [t.a.user.id]);
    await waitFor(() => t.a2.room(group.id), { what: 'room added live' });
  });

  it('is right again after a reconnect that missed messages, reads, profile changes and notices', async () => {
    const t = await env.fourUsers();
    const { proxy, url } = await env.proxy();
    const roaming = await connect(t.b, url);
    // Shown before the tunnel: its pointers come back in the reconnect's snapshot (hello `readers`).
    await roaming.loadReaders(t.room.id);
    const first = await t.a1.send(t.room.id, 'before the tunnel');
    await waitFor(() => roaming.messages(t.room.id).length === 1);

    proxy.cut();
    await waitFor(() => roaming.status !== 'connected', { what: 'roaming offline' });
    const missed = [];
    for (let i = 0; i < 5; i++) missed.push(await t.c1.send(t.room.id, `while away ${i}`));
    // Straight to the server: the SDK caps a read at the lastSeq it has seen so far.
    await t.d1.request('room.read', { roomId: t.room.id, seq: missed.at(-1)!.seq });
    await t.a1.api.updateMe({ displayName: 'Alice v2' });
    await t.a1.api.postNotice(t.room.id, 'Posted while you were away');
    await t.b1.markRead(t.room.id, first.seq);
    proxy.resume();

    const last = missed.at(-1)!.seq;
    await waitFor(() => roaming.messages(t.room.id).length === last, { what: 'gap filled', timeoutMs: 10_000 });
    expect(roaming.messages(t.room.id).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(roaming.user(t.a.user.id)?.displayName).toBe('Alice v2');
    expect(roaming.room(t.room.id)?.notice?.body).toBe('Posted while you were away');
    expect(roaming.room(t.room.id)?.unreadCount).toBe(5);
    // b read 1, d read all, c sent all; a sent 1: the last message is unread by a and b.
    expect(roaming.readCount(t.room.id, last)).toBe(2);
    expect(roaming.readCount(t.room.id, first.seq)).toBe(0);
  });
});
