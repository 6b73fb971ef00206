import { describe, expect, it } from 'vitest';
import type { ChatClient, UnreadSignal } from '@chatchat/client';
import { useSdkServer, waitFor } from '@chatchat/server/testing';

const env = useSdkServer({ READ_COALESCE_MS: '30' });
const connect = env.connect;

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? 'unknown',
  );

describe('replies', () => {
  it('carries the quote to every device, follows edits and deletion live, and after a reconnect', async () => {
    const t = await env.fourUsers();
    const original = await t.a1.send(t.room.id, 'Shall we meet at ten tomorrow? The long version of the plan follows here.');
    const reply = await t.b1.send(t.room.id, 'yes', { replyTo: original.id });
    const quote = {
      messageId: original.id,
      seq: original.seq,
      senderId: t.a.user.id,
      excerpt: original.body,
      deleted: false,
      edited: false,
    };
    expect(reply.replyTo).toEqual(quote);
    for (const dev of t.devices)
      await waitFor(() => dev.messages(t.room.id).find((m) => m.id === reply.id)?.replyTo?.seq === original.seq, { what: 'quote' });

    await t.a1.edit(original.id, 'Eleven instead');
    await waitFor(() => t.c2.messages(t.room.id).find((m) => m.id === reply.id)?.replyTo?.edited, { what: 'quote edited' });
    await t.a1.delete(original.id);
    await waitFor(() => t.d1.messages(t.room.id).find((m) => m.id === reply.id)?.replyTo?.deleted, { what: 'quote deleted' });
    expect(t.d1.messages(t.room.id).find((m) => m.id === reply.id)?.replyTo?.excerpt).toBe('');

    const fresh = await connect(t.c);
    await fresh.loadHistory(t.room.id);
    expect(fresh.messages(t.room.id).find((m) => m.id === reply.id)?.replyTo).toEqual({
      ...quote,
      excerpt: '',
      edited: true,
      deleted: true,
    });
  });

  it("refuses a reply to another room's message or to one the sender cannot see", async () => {
    const t = await env.fourUsers();
    const other = await env.http.createRoom(t.a.accessToken, 'Other', []);
    const hidden = await env.http.createRoom(t.c.accessToken, 'Hidden', []);
    const there = await t.a1.request('message.send', { roomId: other.id, body: 'elsewhere', clientMsgId: 'x1' });
    const secret = await t.c1.request('message.send', { roomId: hidden.id, body: 'secret', clientMsgId: 'x2' });
    await expect(
      codeOf(t.a1.request('message.send', { roomId: t.room.id, body: 'r', clientMsgId: 'x3', replyTo: there.message.id })),
    ).resolves.toBe('invalid');
    await expect(
      codeOf(t.a1.request('message.send', { roomId: t.room.id, body: 'r', clientMsgId: 'x4', replyTo: secret.message.id })),
    ).resolves.toBe('not_found');
    await expect(
      codeOf(t.a1.request('message.send', { roomId: t.room.id, body: 'r', clientMsgId: 'x5', replyTo: 'no-such-message' })),
    ).resolves.toBe('not_found');
    const res = await env.http.call(
      'POST',
      `/api/v1/rooms/${t.room.id}/messages`,
      { body: 'r', clientMsgId: 'x6', replyTo: secret.message.id },
      t.a.accessToken,
    );
    expect(res.status).toBe(404);
  });
});

const byEmoji = <T extends { emoji: string }>(list: readonly T[]) => [...list].sort((x, y) => (x.emoji < y.emoji ? -1 : 1));

describe('reactions', () => {
  it('shows counts and my own reaction on every device, live and after a reconnect', async () => {
    const t = await env.fourUsers();
    const { proxy, url } = await env.proxy();
    const roaming = await connect(t.d, url);
    const m = await t.a1.send(t.room.id, 'react to this');
    await waitFor(() => roaming.messages(t.room.id).some((x) => x.id === m.id));
    await t.b1.react(m.id, '👍');
    await t.c1.react(m.id, '👍');
    await t.b1.react(m.id, '🎉');
    const seen = (dev: ChatClient) => dev.reactions(t.room.id, m.id);
    for (const dev of t.devices) {
      await waitFor(() => seen(dev).length === 2 && seen(dev)[0]!.count === 2, { what: 'counts on every device' });
    }
    expect(seen(t.b2)).toEqual([
      { emoji: '👍', count: 2, me: true },
      { emoji: '🎉', count: 1, me: true },
    ]);
    expect(seen(t.c2)).toEqual([
      { emoji: '👍', count: 2, me: true },
      { emoji: '🎉', count: 1, me: false },
    ]);
    expect(seen(t.a2)).toEqual([
      { emoji: '👍', count: 2, me: false },
      { emoji: '🎉', count: 1, me: false },
    ]);

    proxy.cut();
    await waitFor(() => roaming.status !== 'connected', { what: 'roaming offline' });
    await t.d1.react(m.id, '🎉');
    await t.b1.unreact(m.id, '👍');
    proxy.resume();
    // Reactions are listed by their first reaction's time, then emoji: c's 👍 and b's 🎉 came one
    // round trip apart, often within the same millisecond, so compare without that order.
    const count = (emoji: string) => seen(roaming).find((r) => r.emoji === emoji)?.count;
    await waitFor(() => count('🎉') === 2 && count('👍') === 1, { what: 'counts after reconnect', timeoutMs: 10_000 });
    expect(byEmoji(seen(roaming))).toEqual([
      { emoji: '🎉', count: 2, me: true },
      { emoji: '👍', count: 1, me: false },
    ]);
    expect(byEmoji(await t.a1.whoReacted(m.id))).toEqual([
      { emoji: '🎉', userIds: [t.b.user.id, t.d.user.id] },
      { emoji: '👍', userIds: [t.c.user.id] },
    ]);
    const http = await env.http.call('GET', `/api/v1/messages/${m.id}/reactions`, undefined, t.a.accessToken);
    expect(http.status).toBe(200);
    expect(http.body.reactions).toHaveLength(2);
  });

  it('refuses text, two emoji, a 21st distinct emoji, and reacting in a room I left', async () => {
    const t = await env.fourUsers();
    const m = await t.a1.send(t.room.id, 'many');
    for (const bad of ['ab', '👍👍', '', '👍a', 'é', '1', '😀\u0301']) {
      await expect(codeOf(t.b1.request('reaction.add', { messageId: m.id, emoji: bad }))).resolves.toBe('invalid');
    }
    for (const ok of ['👍🏽', '👨‍👩‍👧', '🇰🇷', '1️⃣', '❤️']) await t.b1.react(m.id, ok);
    const emoji = [
      ...'😀😁😂🤣😃😄😅😆😉😊😋😎😍😘🥰😗😙😚🙂🤗🤩🤔🤨😐😑😶🙄😏😣😥😮🤐😯😪😫😴😌😛😜😝🤤😒😓😔😕🙃🤑😲🙁😖😞😟😤😢😭😦😧😨😩🤯😬😰😱🥵🥶😳🤪😵😡😠🤬😷🤒🤕🤢🤮🤧😇🥳🥺🤠🤡🤥🤫🤭🧐🤓😈👿👹👺💀👻👽🤖💩😺😸😹😻😼😽🙀',
    ];
    const results: string[] = [];
    for (const e of emoji.slice(0, 100)) results.push(await codeOf(t.c1.request('reaction.add', { messageId: m.id, emoji: e })));
    expect(results.filter((r) => r === 'ok')).toHaveLength(20 - 5);
    expect(results.slice(15).every((r) => r === 'invalid')).toBe(true);
    await t.d1.api.leaveRoom(t.room.id);
    await expect(codeOf(t.d1.request('reaction.add', { messageId: m.id, emoji: '👍' }))).resolves.toBe('not_found');
    await expect(codeOf(t.d1.request('reaction.list', { messageId: m.id }))).resolves.toBe('not_found');
    // The server keeps serving everyone else: an emoji already on the message is still fine.
    expect((await t.a1.react(m.id, '😀')).find((r) => r.emoji === '😀')).toEqual({ emoji: '😀', count: 2, me: true });
  });
});

describe('mentions', () => {
  it('counts mentions per member on every device, clears them by reading, and is right in a fresh snapshot', async () => {
    const t = await env.fourUsers();
    const signals: UnreadSignal[] = [];
    t.b2.on('unread', (s) => signals.push(s));
    const m1 = await t.a1.send(t.room.id, `hey @${t.b.user.username}, and @${t.c.user.username.toUpperCase()}!`);
    expect(m1.mentions.sort()).toEqual([t.b.user.id, t.c.user.id].sort());
    for (const dev of [t.b1, t.b2, t.c1]) await waitFor(() => dev.room(t.room.id)?.mentionCount === 1, { what: 'mention counted' });
    expect(t.a2.room(t.room.id)?.mentionCount).toBe(0);
    expect(t.d1.room(t.room.id)?.mentionCount).toBe(0);
    expect(t.b1.totalMentions()).toBe(1);
    await waitFor(() => signals.length === 1);
    expect(signals[0]).toMatchObject({ mentioned: true, totalMentions: 1 });

    await t.a1.send(t.room.id, 'no mention');
    await t.b1.markRead(t.room.id);
    await waitFor(() => t.b2.room(t.room.id)?.mentionCount === 0, { what: 'cleared on my other device' });
    const fresh = await connect(t.b);
    expect(fresh.room(t.room.id)?.mentionCount).toBe(0);
    const freshC = await connect(t.c);
    expect(freshC.room(t.room.id)).toMatchObject({ mentionCount: 1, mentionSeqs: [m1.seq] });
    expect(freshC.totalMentions()).toBe(1);
    const rooms = await env.http.call('GET', '/api/v1/rooms', undefined, t.c.accessToken);
    expect(rooms.body.totalMentions).toBe(1);
  });

  it('lets owners and admins mention @all; a plain member gets forbidden', async () => {
    const t = await env.fourUsers();
    await expect(codeOf(t.b1.request('message.send', { roomId: t.room.id, body: 'hello @all', clientMsgId: 'all-1' }))).resolves.toBe(
      'forbidden',
    );
    const all = await t.a1.send(t.room.id, 'meeting now @all');
    expect(all.mentionsAll).toBe(true);
    for (const dev of [t.b1, t.c2, t.d1]) await waitFor(() => dev.room(t.room.id)?.mentionCount === 1, { what: '@all counted' });
    expect(t.a1.room(t.room.id)?.mentionCount).toBe(0);
  });
});

describe('notification settings', () => {
  it('syncs mute to my second device live and after reconnect; a mention still notifies while muted', async () => {
    const t = await env.fourUsers();
    const muteUntil = new Date(Date.now() + 3600_000).toISOString();
    await t.b1.setRoomSettings(t.room.id, { notify: 'all', muteUntil });
    await waitFor(() => t.b2.room(t.room.id)?.muteUntil === muteUntil, { what: 'mute on the second device' });
    expect(t.c1.room(t.room.id)?.muteUntil).toBeNull();

    const signals: UnreadSignal[] = [];
    t.b2.on('unread', (s) => signals.push(s));
    await t.a1.send(t.room.id, 'quiet please');
    const loud = await t.a1.send(t.room.id, `@${t.b.user.username} look`);
    // The mention is the marker: the plain message before it made no signal.
    await waitFor(() => signals.length > 0, { what: 'mention signal' });
    expect(signals.map((s) => s.message.id)).toEqual([loud.id]);
    expect(t.b2.room(t.room.id)?.unreadCount).toBe(2);

    await t.b2.setRoomSettings(t.room.id, { notify: 'none' });
    await waitFor(() => t.b1.room(t.room.id)?.notify === 'none' && t.b1.room(t.room.id)?.muteUntil === null, {
      what: 'none on the first device',
    });
    const again = await connect(t.b);
    expect(again.room(t.room.id)).toMatchObject({ notify: 'none', muteUntil: null });
    const http = await env.http.call('PUT', `/api/v1/rooms/${t.room.id}/settings`, { notify: 'mentions' }, t.b.accessToken);
    expect(http.body).toEqual({ roomId: t.room.id, notify: 'mentions', muteUntil: null });
    await waitFor(() => again.room(t.room.id)?.notify === 'mentions', { what: 'http change live' });
  });

  it('refuses a mute time in the past or more than a year ahead, and rooms I am not in', async () => {
    const t = await env.fourUsers();
    const past = new Date(Date.now() - 1000).toISOString();
    const far = new Date(Date.now() + 400 * 24 * 3600_000).toISOString();
    await expect(codeOf(t.b1.request('room.settings', { roomId: t.room.id, notify: 'all', muteUntil: past }))).resolves.toBe('invalid');
    await expect(codeOf(t.b1.request('room.settings', { roomId: t.room.id, notify: 'all', muteUntil: far }))).resolves.toBe('invalid');
    await expect(codeOf(t.b1.request('room.settings', { roomId: t.room.id, notify: 'loud' as 'all' }))).resolves.toBe('invalid');
    const outsider = await env.http.signup();
    const o = await connect(outsider);
    await expect(codeOf(o.request('room.settings', { roomId: t.room.id, notify: 'none' }))).resolves.toBe('not_found');
    const res = await env.http.call('PUT', `/api/v1/rooms/${t.room.id}/settings`, { notify: 'all', muteUntil: past }, t.b.accessToken);
    expect(res.status).toBe(400);
  });
});

describe('pins', () => {
  it('owners pin, members cannot; the list is live, in the snapshot, and loses deleted messages', async () => {
    const t = await env.fourUsers();
    const m = await t.b1.send(t.room.id, 'pin me');
    await expect(codeOf(t.b1.request('pin.add', { messageId: m.id }))).resolves.toBe('forbidden');
    await t.a1.pin(m.id);
    for (const dev of t.devices) await waitFor(() => dev.room(t.room.id)?.pins[0]?.messageId === m.id, { what: 'pin live' });
    expect(t.c1.room(t.room.id)?.pins[0]).toMatchObject({ seq: m.seq, pinnedBy: t.a.user.id, message: { body: 'pin me' } });
    await expect(codeOf(t.a1.request('pin.add', { messageId: m.id }))).resolves.toBe('conflict');
    const fresh = await connect(t.d);
    expect(fresh.room(t.room.id)?.pins.map((p) => p.messageId)).toEqual([m.id]);
    await t.b1.edit(m.id, 'pin me (edited)');
    await waitFor(() => fresh.room(t.room.id)?.pins[0]?.message.body === 'pin me (edited)', { what: 'pinned message edited' });
    await t.b1.delete(m.id);
    for (const dev of [t.a2, t.c1, fresh])
      await waitFor(() => dev.room(t.room.id)?.pins.length === 0, { what: 'pin gone with the message' });
    await expect(codeOf(t.a1.request('pin.remove', { messageId: m.id }))).resolves.toBe('not_found');
  });
});

describe('search', () => {
  it('finds Korean, English and mixed text in my rooms only, and stops finding a room I left', async () => {
    const t = await env.fourUsers();
    const other = await env.http.createRoom(t.c.accessToken, 'Elsewhere', []);
    await t.a1.send(t.room.id, '내일 회의실에서 만나요');
    await t.a1.send(t.room.id, '붉은여우는 Café에서 Running');
    await t.c1.request('message.send', { roomId: other.id, body: '회의 elsewhere', clientMsgId: 's1' });
    const bodies = async (dev: ChatClient, query: string, roomId?: string) =>
      (await dev.search(query, roomId ? { roomId } : {})).results.map((r) => r.message.body);
    expect(await bodies(t.b1, '회의')).toEqual(['내일 회의실에서 만나요']);
    expect(await bodies(t.b1, '여우')).toEqual(['붉은여우는 Café에서 Running']);
    expect(await bodies(t.b1, 'cafe run')).toEqual(['붉은여우는 Café에서 Running']);
    expect(await bodies(t.c1, '회의')).toEqual(['회의 elsewhere', '내일 회의실에서 만나요']);
    expect(await bodies(t.c1, '회의', t.room.id)).toEqual(['내일 회의실에서 만나요']);
    const hit = (await t.b1.search('회의')).results[0]!;
    expect(hit.highlight.ranges.map((r) => hit.highlight.text.slice(r.start, r.end))).toEqual(['회의']);

    const http = await env.http.call('GET', `/api/v1/search/messages?query=${encodeURIComponent('여우')}`, undefined, t.b.accessToken);
    expect(http.status).toBe(200);
    expect(http.body.results).toHaveLength(1);

    await t.b1.api.leaveRoom(t.room.id);
    expect(await bodies(t.b2, '회의')).toEqual([]);
    await expect(codeOf(t.b2.search('회의', { roomId: t.room.id }))).resolves.toBe('not_found');
  });

  it('pages newest first and reflects edits and deletions at once', async () => {
    const t = await env.fourUsers();
    const sent = [];
    for (let i = 0; i < 5; i++) sent.push(await t.a1.send(t.room.id, `report ${i}`));
    const first = await t.b1.search('report', { limit: 2 });
    expect(first.results.map((r) => r.message.body)).toEqual(['report 4', 'report 3']);
    const second = await t.b1.search('report', { limit: 2, before: first.nextBefore! });
    expect(second.results.map((r) => r.message.body)).toEqual(['report 2', 'report 1']);
    await t.a1.edit(sent[0]!.id, 'summary 0');
    await t.a1.delete(sent[4]!.id);
    expect((await t.b1.search('report')).results.map((r) => r.message.body)).toEqual(['report 3', 'report 2', 'report 1']);
    expect((await t.b1.search('summary')).results.map((r) => r.message.id)).toEqual([sent[0]!.id]);
  });

  it('treats empty, over-long and FTS/SQL syntax queries as bad input or text, never a 500', async () => {
    const t = await env.fourUsers();
    await t.a1.send(t.room.id, 'NEAR the 100% "quoted" back\\slash');
    const get = (q: string) => env.http.call('GET', `/api/v1/search/messages?query=${encodeURIComponent(q)}`, undefined, t.b.accessToken);
    expect((await get('')).status).toBe(400);
    expect((await get('   ')).body.error.code).toBe('invalid');
    expect((await get('x'.repeat(1000))).status).toBe(400);
    for (const q of ['"', '*', 'NEAR', 'NEAR(a b)', '%', '\\', "'; drop table messages; --", 'a OR b', '"unterminated', '%_%', '\\\\']) {
      const res = await get(q);
      expect(res.status, q).toBe(200);
    }
    expect((await get('NEAR')).body.results).toHaveLength(1);
    expect((await get('"quoted')).body.results).toHaveLength(1);
    await expect(codeOf(t.b1.request('message.search', { query: '' }))).resolves.toBe('invalid');
    await expect(codeOf(t.b1.request('message.search', { query: 'y'.repeat(1000) }))).resolves.toBe('invalid');
    await expect(codeOf(t.b1.request('message.search', { query: 'ok', before: 'abc' }))).resolves.toBe('invalid');
  });
});

describe('room settings', () => {
  it('renames and describes the room live for every member', async () => {
    const t = await env.fourUsers();
    await t.a1.api.updateRoom(t.room.id, { name: 'Renamed', description: 'What we talk about' });
    for (const dev of t.devices)
      await waitFor(() => dev.room(t.room.id)?.description === 'What we talk about' && dev.room(t.room.id)?.name === 'Renamed', {
        what: 'room updated',
      });
    await t.a1.api.updateRoom(t.room.id, { description: '' });
    await waitFor(() => t.d2.room(t.room.id)?.description === null, { what: 'description cleared' });
    const fresh = await connect(t.c);
    expect(fresh.room(t.room.id)).toMatchObject({ name: 'Renamed', description: null });
  });

  it('brings a direct room back for the side that left when the other side writes', async () => {
    const [a, b] = await Promise.all([env.http.signup(), env.http.signup()]);
    const a1 = await connect(a);
    const b1 = await connect(b);
    const { room } = await a1.api.directRoom(b.user.id);
    await waitFor(() => b1.room(room.id), { what: 'direct room on b' });
    await b1.api.leaveRoom(room.id);
    await waitFor(() => !b1.room(room.id), { what: 'left' });
    const m = await a1.send(room.id, 'are you there?');
    await waitFor(() => b1.room(room.id)?.unreadCount === 1, { what: 'room back with the message unread' });
    expect(b1.room(room.id)?.lastMessage?.id).toBe(m.id);
    const reply = await b1.send(room.id, 'yes');
    await waitFor(() => a1.messages(room.id).some((x) => x.id === reply.id), { what: 'reply arrives' });
  });
});
