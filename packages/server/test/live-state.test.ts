import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Limits, type Member } from '@chatchat/protocol';
import { startTestServer, type TestServer, httpClient, RawClient, waitFor } from '@chatchat/server/testing';

let server: TestServer;
let http: ReturnType<typeof httpClient>;
const open: RawClient[] = [];
const READ_COALESCE_MS = 50;

async function device(token: string, readers?: string[]) {
  const { client, snapshot } = await RawClient.hello(server.wsUrl, token, readers);
  open.push(client);
  return { client, snapshot };
}

/** The KakaoTalk number, from raw pointers (the SDK has its own; this checks the server's data). */
function notRead(members: Member[], seq: number) {
  return members.filter((m) => m.joinedSeq < seq && m.lastReadSeq < seq).length;
}

beforeAll(async () => {
  server = await startTestServer({ HEARTBEAT_MS: '200', READ_COALESCE_MS: String(READ_COALESCE_MS) });
  http = httpClient(server.url);
});
afterAll(async () => {
  for (const c of open) c.close();
  await server.close();
});

describe('read pointers', () => {
  it('counts down 3 → 2 → 1 → 0 as members read, live on every device, and ignores later joiners', async () => {
    const [a, b, c, d, late] = await Promise.all([http.signup(), http.signup(), http.signup(), http.signup(), http.signup()]);
    const room = await http.createRoom(a.accessToken, 'Reads', [b.user.id, c.user.id, d.user.id]);
    const { client: a1 } = await device(a.accessToken);
    const { client: a2 } = await device(a.accessToken);
    const { client: b1 } = await device(b.accessToken);
    const { client: c1 } = await device(c.accessToken);
    const { client: d1 } = await device(d.accessToken);

    const { message } = await a1.request('message.send', { roomId: room.id, body: 'read me', clientMsgId: 'r1' });
    const pointers = async () => (await a1.request('room.members', { roomId: room.id })).members;
    expect(notRead(await pointers(), message.seq)).toBe(3);

    const counts: number[] = [];
    for (const [reader, userId] of [
      [b1, b.user.id],
      [c1, c.user.id],
      [d1, d.user.id],
    ] as const) {
      const reply = await reader.request('room.read', { roomId: room.id, seq: message.seq });
      expect(reply).toMatchObject({ lastReadSeq: message.seq, unreadCount: 0 });
      // a's second device sees the read live (coalesced into a room.read batch).
      await a2.waitForEvent('room.read', (e) => e.reads.some((r) => r.userId === userId && r.seq === message.seq));
      counts.push(notRead(await pointers(), message.seq));
    }
    expect(counts).toEqual([2, 1, 0]);
    const seen = new Set(a2.eventsOf('room.read').flatMap((e) => e.reads.map((r) => r.userId)));
    expect(seen).toEqual(new Set([b.user.id, c.user.id, d.user.id]));

    // Someone who joins afterwards was never meant to read the old message.
    await http.call('POST', `/api/v1/rooms/${room.id}/members`, { userIds: [late.user.id] }, a.accessToken);
    expect(notRead(await pointers(), message.seq)).toBe(0);
    const next = await a1.request('message.send', { roomId: room.id, body: 'after join', clientMsgId: 'r2' });
    expect(notRead(await pointers(), next.message.seq)).toBe(4);
  });

  it('never moves a pointer back, and rejects reading beyond the last seq or outside your rooms', async () => {
    const [a, b] = await Promise.all([http.signup(), http.signup()]);
    const room = await http.createRoom(a.accessToken, 'Bounds', [b.user.id]);
    const { client: a1 } = await device(a.accessToken);
    const { client: b1 } = await device(b.accessToken);
    for (let i = 1; i <= 3; i++) await a1.request('message.send', { roomId: room.id, body: `m${i}`, clientMsgId: `b${i}` });
    expect((await b1.request('room.read', { roomId: room.id, seq: 3 })).lastReadSeq).toBe(3);
    expect((await b1.request('room.read', { roomId: room.id, seq: 1 })).lastReadSeq).toBe(3);
    expect(await b1.call('room.read', { roomId: room.id, seq: 4 })).toMatchObject({ ok: false, error: { code: 'invalid' } });
    const stranger = await http.signup();
    const { client: s1 } = await device(stranger.accessToken);
    expect(await s1.call('room.read', { roomId: room.id, seq: 1 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('bounds room.read frames per client by the coalescing window when 200 members read at once', async () => {
    const members = await Promise.all(Array.from({ length: 200 }, () => http.signup()));
    const [owner, ...rest] = members;
    const room = await http.createRoom(
      owner!.accessToken,
      'Big',
      rest.map((m) => m.user.id),
    );
    const clients = await Promise.all(members.map((m) => device(m.accessToken).then((d) => d.client)));
    const { message } = await clients[0]!.request('message.send', { roomId: room.id, body: 'everyone read this', clientMsgId: 'big' });
    await Promise.all(clients.map((c) => c.waitForEvent('message.created', (e) => e.message.seq === message.seq)));

    // The burst's schedule: `waves` waves of readers, each fired at once, the next one only after the
    // previous wave's reads reached everyone. A client gets at most one frame per 50 ms window a wave's
    // reads span, plus one at the boundary: two for a wave of a few ms of server work (SQLite,
    // PostgreSQL); on FerretDB a wave's 40 pointer updates take their turns at its one SQLite writer,
    // 150-600 ms measured on two shared cores, so the bound is taken from each wave's own duration.
    const readersSeen = (c: RawClient) => new Set(c.eventsOf('room.read').flatMap((e) => e.reads.map((r) => r.userId))).size;
    const readers = clients.slice(1);
    const waves = 5;
    const perWave = Math.ceil(readers.length / waves);
    let bound = 0;
    for (let w = 0; w < waves; w++) {
      const wave = readers.slice(w * perWave, (w + 1) * perWave);
      const started = Date.now();
      await Promise.all(wave.map((c) => c.request('room.read', { roomId: room.id, seq: message.seq })));
      bound += Math.ceil((Date.now() - started) / READ_COALESCE_MS) + 1;
      const seen = Math.min(readers.length, (w + 1) * perWave);
      await Promise.all(
        clients.map((c) => waitFor(() => readersSeen(c) >= seen, { what: `reads of wave ${w + 1} seen`, timeoutMs: 20_000 })),
      );
    }
    // Frames bounded by the windows, not one frame per reader (199); a bound that high would prove nothing.
    expect(bound).toBeLessThan(perWave * waves);
    for (const c of clients) expect(c.eventsOf('room.read').length).toBeLessThanOrEqual(bound);
    const { members: pointers } = await clients[0]!.request('room.members', { roomId: room.id });
    expect(notRead(pointers, message.seq)).toBe(0);
    for (const c of clients) c.close();
  }, 120_000);
});

describe('unread counts and the room list', () => {
  it('updates unread counts across devices and adds/removes rooms live', async () => {
    const [a, b] = await Promise.all([http.signup(), http.signup()]);
    const { client: b1 } = await device(b.accessToken);
    const { client: b2 } = await device(b.accessToken);
    const room = await http.createRoom(a.accessToken, 'Unread', [b.user.id]);
    const added = await b2.waitForEvent('room.added', (e) => e.room.id === room.id);
    expect(added.room).toMatchObject({ unreadCount: 0, role: 'member', name: 'Unread' });

    const { client: a1 } = await device(a.accessToken);
    for (let i = 1; i <= 3; i++) await a1.request('message.send', { roomId: room.id, body: `u${i}`, clientMsgId: `u${i}` });
    await b2.waitForEvent('message.created', (e) => e.message.seq === 3);
    const listed = await http.call('GET', '/api/v1/rooms', undefined, b.accessToken);
    expect(listed.body.rooms[0]).toMatchObject({ id: room.id, unreadCount: 3, lastSeq: 3, lastMessage: { body: 'u3' } });
    expect(listed.body.totalUnread).toBe(3);

    // Reading on one device brings the other device's count down.
    await b1.request('room.read', { roomId: room.id, seq: 3 });
    const read = await b2.waitForEvent('room.read', (e) => e.reads.some((r) => r.userId === b.user.id && r.seq === 3));
    expect(read.roomId).toBe(room.id);
    const { snapshot } = await device(b.accessToken);
    expect(snapshot.rooms.find((r) => r.id === room.id)).toMatchObject({ unreadCount: 0, lastReadSeq: 3 });
    expect(snapshot.totalUnread).toBe(0);

    await http.call('DELETE', `/api/v1/rooms/${room.id}/members/me`, undefined, b.accessToken);
    await b2.waitForEvent('room.removed', (e) => e.roomId === room.id && e.reason === 'left');
    await a1.waitForEvent('member.left', (e) => e.userId === b.user.id);
  });
});

describe('snapshot', () => {
  it('carries read pointers, profiles and presence of the rooms asked for only', async () => {
    const [a, b, c, stranger] = await Promise.all([http.signup(), http.signup(), http.signup(), http.signup()]);
    const shown = await http.createRoom(a.accessToken, 'Shown', [b.user.id]);
    const other = await http.createRoom(a.accessToken, 'Other', [c.user.id]);
    const elsewhere = await http.createRoom(stranger.accessToken, 'Elsewhere', []);
    const { client: c1 } = await device(c.accessToken);
    await c1.request('message.send', { roomId: other.id, body: 'hi', clientMsgId: 'c-1' });
    const { client: b1 } = await device(b.accessToken);

    const plain = (await device(a.accessToken)).snapshot;
    expect(plain.rooms.map((r) => r.id).sort()).toEqual([shown.id, other.id].sort());
    expect(plain.readers).toEqual([]);
    // The room list still names the sender of a last message.
    expect(plain.users.map((u) => u.id).sort()).toEqual([a.user.id, c.user.id].sort());

    const asked = (await device(a.accessToken, [shown.id, elsewhere.id])).snapshot;
    expect(asked.readers.map((r) => r.roomId)).toEqual([shown.id]);
    expect(asked.readers[0]!.members.map((m) => m.userId).sort()).toEqual([a.user.id, b.user.id].sort());
    expect(asked.users.map((u) => u.id)).toContain(b.user.id);
    expect(asked.presence.find((p) => p.userId === b.user.id)).toMatchObject({ online: true });
    b1.close();

    const tooMany = await RawClient.connect(server.wsUrl);
    open.push(tooMany);
    const refused = await tooMany.call('hello', {
      token: a.accessToken,
      readers: Array.from({ length: Limits.helloReaderRooms + 1 }, () => shown.id),
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid' } });
  });
});

describe('presence', () => {
  it('stays online while any device is connected and goes offline when the last one closes', async () => {
    const [a, b] = await Promise.all([http.signup(), http.signup()]);
    const room = await http.createRoom(a.accessToken, 'Presence', [b.user.id]);
    const { client: watcher } = await device(a.accessToken);
    const { client: b1 } = await device(b.accessToken);
    await watcher.waitForEvent('presence.updated', (e) => e.userId === b.user.id && e.online);
    const { client: b2 } = await device(b.accessToken);
    b1.close();
    const { client: b3 } = await device(b.accessToken);
    b2.close();
    // A device that shows the room gets its members' presence in the snapshot.
    const online = await device(a.accessToken, [room.id]);
    expect(online.snapshot.presence.find((p) => p.userId === b.user.id)).toMatchObject({ online: true });
    b3.close();
    const offline = await watcher.waitForEvent('presence.updated', (e) => e.userId === b.user.id && !e.online);
    expect(offline.lastSeenAt).not.toBeNull();
    // The offline event needs all three closes handled, so it is the marker: one device of several
    // going away was not a change anyone saw (no offline/online flicker before it).
    expect(
      watcher
        .eventsOf('presence.updated')
        .filter((e) => e.userId === b.user.id)
        .map((e) => e.online),
    ).toEqual([true, false]);
  });

  it('notices a device that vanishes without a close frame within two heartbeats', async () => {
    const [a, b] = await Promise.all([http.signup(), http.signup()]);
    await http.createRoom(a.accessToken, 'Silent', [b.user.id]);
    const { client: watcher } = await device(a.accessToken);
    const { client: b1 } = await device(b.accessToken);
    await watcher.waitForEvent('presence.updated', (e) => e.userId === b.user.id && e.online);
    // Stop reading: no pongs go back, exactly like a phone that lost its network.
    (b1.socket as unknown as { _socket: { pause(): void } })._socket.pause();
    // Documented bound: 2 × HEARTBEAT_MS (400 ms here); the deadline leaves room for a busy CI.
    await watcher.waitForEvent('presence.updated', (e) => e.userId === b.user.id && !e.online, 3000);
  });
});

describe('profiles', () => {
  it('pushes profile changes to everyone sharing a room, and validates fields', async () => {
    const [a, b, stranger] = await Promise.all([http.signup(), http.signup(), http.signup()]);
    await http.createRoom(a.accessToken, 'Profiles', [b.user.id]);
    const { client: b1 } = await device(b.accessToken);
    const { client: a2 } = await device(a.accessToken);
    const { client: s1 } = await device(stranger.accessToken);
    const res = await http.call(
      'PATCH',
      '/api/v1/me',
      { displayName: 'Alice Renamed', statusMessage: 'busy', avatarUrl: '/api/v1/attachments/a-png' },
      a.accessToken,
    );
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ displayName: 'Alice Renamed', statusMessage: 'busy' });
    for (const c of [b1, a2]) {
      const ev = await c.waitForEvent('user.updated', (e) => e.user.id === a.user.id);
      expect(ev.user).toMatchObject({ displayName: 'Alice Renamed', avatarUrl: '/api/v1/attachments/a-png' });
    }
    // Marker on the same path (profile events): the stranger's own change reaches its own device.
    await http.call('PATCH', '/api/v1/me', { statusMessage: 'marker' }, stranger.accessToken);
    await s1.waitForEvent('user.updated', (e) => e.user.id === stranger.user.id);
    expect(s1.eventsOf('user.updated').filter((e) => e.user.id === a.user.id)).toHaveLength(0);
    const tooLong = await http.call('PATCH', '/api/v1/me', { displayName: 'x'.repeat(Limits.maxDisplayNameChars + 1) }, a.accessToken);
    expect(tooLong).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
    const status = await http.call('PATCH', '/api/v1/me', { statusMessage: 'y'.repeat(Limits.maxStatusMessageChars + 1) }, a.accessToken);
    expect(status.status).toBe(400);
    const unknownField = await http.call('PATCH', '/api/v1/me', { isAdmin: true }, a.accessToken);
    expect(unknownField.status).toBe(400);
  });
});

describe('notices and announcements', () => {
  it('lets owners and admins post and remove notices live; members and outsiders get clear errors', async () => {
    const [owner, admin, member, outsider] = await Promise.all([http.signup(), http.signup(), http.signup(), http.signup()]);
    const room = await http.createRoom(owner.accessToken, 'Notices', [admin.user.id, member.user.id]);
    await http.call('PATCH', `/api/v1/rooms/${room.id}/members/${admin.user.id}`, { role: 'admin' }, owner.accessToken);
    const { client: m1 } = await device(member.accessToken);

    const posted = await http.call('POST', `/api/v1/rooms/${room.id}/notices`, { body: 'Standup at 10' }, admin.accessToken);
    expect(posted.status).toBe(201);
    const created = await m1.waitForEvent('notice.created');
    expect(created.notice).toMatchObject({ body: 'Standup at 10', authorId: admin.user.id, roomId: room.id });
    const { snapshot } = await device(member.accessToken);
    expect(snapshot.rooms.find((r) => r.id === room.id)?.notice?.id).toBe(posted.body.notice.id);

    const byMember = await http.call('POST', `/api/v1/rooms/${room.id}/notices`, { body: 'me too' }, member.accessToken);
    expect(byMember).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const byOutsider = await http.call('POST', `/api/v1/rooms/${room.id}/notices`, { body: 'hi' }, outsider.accessToken);
    expect(byOutsider).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const tooLong = await http.call(
      'POST',
      `/api/v1/rooms/${room.id}/notices`,
      { body: 'n'.repeat(Limits.maxNoticeChars + 1) },
      owner.accessToken,
    );
    expect(tooLong.status).toBe(400);

    const removed = await http.call('DELETE', `/api/v1/rooms/${room.id}/notices/${posted.body.notice.id}`, undefined, owner.accessToken);
    expect(removed.status).toBe(204);
    await m1.waitForEvent('notice.removed', (e) => e.noticeId === posted.body.notice.id);
    const rooms = await http.call('GET', '/api/v1/rooms', undefined, member.accessToken);
    expect(rooms.body.rooms.find((r: { id: string }) => r.id === room.id).notice).toBeNull();
  });

  it('delivers platform announcements to everyone online and in the next snapshot', async () => {
    const [boss, anyone] = await Promise.all([http.signup(), http.signup()]);
    const { client: a1 } = await device(anyone.accessToken);
    const denied = await http.call('POST', '/api/v1/announcements', { body: 'hi all' }, boss.accessToken);
    expect(denied.status).toBe(403);
    await server.store.setPlatformAdmin(boss.user.id, true);
    const posted = await http.call('POST', '/api/v1/announcements', { body: 'Maintenance tonight' }, boss.accessToken);
    expect(posted.status).toBe(201);
    await a1.waitForEvent('announcement.created', (e) => e.announcement.body === 'Maintenance tonight');
    const later = await http.signup();
    const { snapshot } = await device(later.accessToken);
    expect(snapshot.announcements[0]).toMatchObject({ body: 'Maintenance tonight' });
  });
  it('delivers an announcement posted while a hello is being answered, after its reply', async () => {
    const [boss, late, online] = await Promise.all([http.signup(), http.signup(), http.signup()]);
    await server.store.setPlatformAdmin(boss.user.id, true);
    const { client: watcher } = await device(online.accessToken);
    const notices = server.services.notices;
    const read = notices.snapshotAnnouncements;
    // The announcement commits after this hello's snapshot read it, and the gateway has handed
    // it to every connection (the watcher has it) before the reply.
    notices.snapshotAnnouncements = async () => {
      notices.snapshotAnnouncements = read;
      const before = await read();
      await notices.announce(boss.user.id, 'posted mid-hello');
      await watcher.waitForEvent('announcement.created', (e) => e.announcement.body === 'posted mid-hello');
      return before;
    };
    const { client, snapshot } = await device(late.accessToken);
    expect(snapshot.announcements.map((a) => a.body)).not.toContain('posted mid-hello');
    await client.waitForEvent('announcement.created', (e) => e.announcement.body === 'posted mid-hello');
  });
});

describe('participants and roles', () => {
  it('follows joins, role changes and kicks live; a kicked user gets nothing more from the room', async () => {
    const [owner, admin, member, newcomer] = await Promise.all([http.signup(), http.signup(), http.signup(), http.signup()]);
    const room = await http.createRoom(owner.accessToken, 'Roles', [admin.user.id, member.user.id]);
    const { client: o1 } = await device(owner.accessToken);
    const { client: m1 } = await device(member.accessToken);
    const { client: m2 } = await device(member.accessToken);
    const { client: n1 } = await device(newcomer.accessToken);
    // A room the member keeps, for a marker on the member's path after the kick.
    const kept = await http.createRoom(owner.accessToken, 'Kept', [member.user.id]);
    await m1.waitForEvent('room.added', (e) => e.room.id === kept.id);

    const promote = await http.call('PATCH', `/api/v1/rooms/${room.id}/members/${admin.user.id}`, { role: 'admin' }, owner.accessToken);
    expect(promote.body.member).toMatchObject({ userId: admin.user.id, role: 'admin' });
    await m1.waitForEvent('member.updated', (e) => e.member.userId === admin.user.id && e.member.role === 'admin');

    // Members may not do admin things.
    const kickByMember = await http.call('DELETE', `/api/v1/rooms/${room.id}/members/${admin.user.id}`, undefined, member.accessToken);
    expect(kickByMember).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const roleByAdmin = await http.call(
      'PATCH',
      `/api/v1/rooms/${room.id}/members/${member.user.id}`,
      { role: 'admin' },
      admin.accessToken,
    );
    expect(roleByAdmin.status).toBe(403);
    const renameByMember = await http.call('PATCH', `/api/v1/rooms/${room.id}`, { name: 'mine now' }, member.accessToken);
    expect(renameByMember.status).toBe(403);

    await http.call('POST', `/api/v1/rooms/${room.id}/members`, { userIds: [newcomer.user.id] }, member.accessToken);
    await n1.waitForEvent('room.added', (e) => e.room.id === room.id);
    await o1.waitForEvent('member.joined', (e) => e.members.some((m) => m.userId === newcomer.user.id));

    const kick = await http.call('DELETE', `/api/v1/rooms/${room.id}/members/${member.user.id}`, undefined, admin.accessToken);
    expect(kick.status).toBe(204);
    for (const c of [m1, m2]) await c.waitForEvent('room.removed', (e) => e.roomId === room.id && e.reason === 'kicked');
    await o1.waitForEvent('member.left', (e) => e.userId === member.user.id && e.reason === 'kicked');

    const before = m1.events.length;
    await o1.request('message.send', { roomId: room.id, body: 'after the kick', clientMsgId: 'k1' });
    await o1.request('typing', { roomId: room.id });
    await n1.waitForEvent('message.created', (e) => e.message.body === 'after the kick');
    await n1.waitForEvent('typing', (e) => e.userId === owner.user.id);
    await o1.request('message.send', { roomId: kept.id, body: 'marker', clientMsgId: 'k-marker' });
    await m1.waitForEvent('message.created', (e) => e.message.roomId === kept.id);
    expect(m1.events.slice(before).filter((e) => !('message' in e.data && e.data.message.roomId === kept.id))).toEqual([]);
    expect(await m1.call('message.send', { roomId: room.id, body: 'let me back', clientMsgId: 'k2' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });
});

describe('typing', () => {
  it('tells the others, not the typist, and drops extras inside the interval', async () => {
    const [a, b] = await Promise.all([http.signup(), http.signup()]);
    const room = await http.createRoom(a.accessToken, 'Typing', [b.user.id]);
    const { client: a1 } = await device(a.accessToken);
    const { client: a2 } = await device(a.accessToken);
    const { client: b1 } = await device(b.accessToken);
    await a1.request('typing', { roomId: room.id });
    await a1.request('typing', { roomId: room.id });
    const ev = await b1.waitForEvent('typing', (e) => e.userId === a.user.id);
    expect(ev.roomId).toBe(room.id);
    await b1.request('message.send', { roomId: room.id, body: 'fence', clientMsgId: 't1' });
    await b1.waitForEvent('message.created', (e) => e.message.body === 'fence');
    await a2.waitForEvent('message.created', (e) => e.message.body === 'fence');
    expect(b1.eventsOf('typing')).toHaveLength(1);
    expect(a2.eventsOf('typing')).toHaveLength(0);
    expect(await a1.call('typing', { roomId: 'not-mine' })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});
