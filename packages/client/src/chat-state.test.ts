import { Limits, type Member, type Message, type Room, type ServerEvent, type User } from '@chatchat/protocol';
import { describe, expect, it } from 'vitest';
import {
  addToOutbox,
  applyEvent,
  applyHistory,
  applyMembers,
  applyMessage,
  applyOwnRead,
  applySnapshot,
  createChatState,
  messagesOf,
  nextTypingExpiry,
  pruneTyping,
  readCount,
  roomList,
  totalUnread,
  typingUsers,
  type ChatState,
  type HelloSnapshot,
} from './chat-state.js';
import { gapOf } from './message-window.js';

const t0 = Date.UTC(2024, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

function user(id: string): User {
  return { id, username: id, displayName: `User ${id}`, avatarUrl: null, statusMessage: null };
}
function room(id: string, patch: Partial<Room> = {}): Room {
  return {
    id,
    kind: 'group',
    name: id,
    avatarUrl: null,
    createdAt: iso(t0),
    lastSeq: 0,
    memberCount: 4,
    role: 'member',
    lastReadSeq: 0,
    unreadCount: 0,
    lastMessage: null,
    notice: null,
    peerId: null,
    description: null,
    pins: [],
    notify: 'all',
    muteUntil: null,
    mentionCount: 0,
    mentionSeqs: [],
    ...patch,
  };
}
function member(userId: string, joinedSeq = 0, lastReadSeq = joinedSeq): Member {
  return { userId, role: 'member', joinedSeq, lastReadSeq };
}
function msg(roomId: string, seq: number, senderId: string, patch: Partial<Message> = {}): Message {
  return {
    id: `${roomId}-m${seq}`,
    roomId,
    seq,
    senderId,
    kind: 'text',
    body: `hello ${seq}`,
    clientMsgId: null,
    createdAt: iso(t0 + seq * 1000),
    editedAt: null,
    deletedAt: null,
    replyTo: null,
    mentions: [],
    mentionsAll: false,
    ...patch,
  };
}
function snapshot(patch: Partial<HelloSnapshot> = {}): HelloSnapshot {
  return {
    user: user('me'),
    connectionId: 'c1',
    serverTime: iso(t0),
    rooms: [room('r1')],
    totalUnread: 0,
    totalMentions: 0,
    users: ['me', 'a', 'b', 'c'].map(user),
    presence: [],
    announcements: [],
    readers: [{ roomId: 'r1', members: ['me', 'a', 'b', 'c'].map((u) => member(u)) }],
    ...patch,
  };
}
const created = (m: Message): ServerEvent => ({ ev: 'message.created', data: { message: m } });
const read = (roomId: string, reads: { userId: string; seq: number }[]): ServerEvent => ({ ev: 'room.read', data: { roomId, reads } });
const apply = (s: ChatState, ...events: ServerEvent[]) => events.reduce((acc, e) => applyEvent(acc, e, t0), s);

describe('readCount (KakaoTalk number)', () => {
  it('goes 3 → 2 → 1 → 0 as the other members read, the sender never counts', () => {
    let s = applySnapshot(createChatState(), snapshot());
    s = apply(s, created(msg('r1', 1, 'me')));
    expect(readCount(s, 'r1', 1)).toBe(3);
    s = apply(s, read('r1', [{ userId: 'a', seq: 1 }]));
    expect(readCount(s, 'r1', 1)).toBe(2);
    s = apply(s, read('r1', [{ userId: 'b', seq: 1 }]));
    expect(readCount(s, 'r1', 1)).toBe(1);
    s = apply(s, read('r1', [{ userId: 'c', seq: 5 }]));
    expect(readCount(s, 'r1', 1)).toBe(0);
  });

  it('a message from someone else counts me until I read it; coalesced reads apply all at once', () => {
    let s = applySnapshot(createChatState(), snapshot());
    s = apply(s, created(msg('r1', 1, 'a')));
    expect(readCount(s, 'r1', 1)).toBe(3); // me, b, c
    s = applyOwnRead(s, 'r1', 1);
    expect(readCount(s, 'r1', 1)).toBe(2);
    s = apply(
      s,
      read('r1', [
        { userId: 'b', seq: 1 },
        { userId: 'c', seq: 1 },
      ]),
    );
    expect(readCount(s, 'r1', 1)).toBe(0);
  });

  it('does not count a member who joined after the message, and stops counting one who left', () => {
    let s = applySnapshot(createChatState(), snapshot());
    s = apply(s, created(msg('r1', 1, 'me')));
    s = apply(s, {
      ev: 'member.joined',
      data: { roomId: 'r1', members: [member('d', 1)], users: [user('d')], byUserId: 'me' },
    });
    expect(s.rooms.r1!.memberCount).toBe(5);
    expect(readCount(s, 'r1', 1)).toBe(3);
    s = apply(s, created(msg('r1', 2, 'me')));
    expect(readCount(s, 'r1', 2)).toBe(4); // a, b, c, d
    s = apply(s, { ev: 'member.left', data: { roomId: 'r1', userId: 'a', reason: 'left', byUserId: 'a' } });
    expect(readCount(s, 'r1', 1)).toBe(2);
    expect(readCount(s, 'r1', 2)).toBe(3);
    expect(s.rooms.r1!.memberCount).toBe(4);
  });

  it('pointers only move forward, and is undefined when readers are not loaded', () => {
    let s = applySnapshot(createChatState(), snapshot({ rooms: [room('r1'), room('big', { memberCount: 500 })] }));
    s = apply(s, created(msg('r1', 1, 'me')), created(msg('r1', 2, 'me')));
    s = apply(s, read('r1', [{ userId: 'a', seq: 2 }]), read('r1', [{ userId: 'a', seq: 1 }]));
    expect(s.readers.r1!.a!.lastReadSeq).toBe(2);
    expect(readCount(s, 'big', 1)).toBeUndefined();
    s = applyMembers(s, 'big', [member('me'), member('x', 0, 3), member('y')], [user('x'), user('y')]);
    expect(readCount(s, 'big', 3)).toBe(2);
    expect(s.users.x).toEqual(user('x'));
  });

  it('takes presence of members it did not know from room.members, never over a live update', () => {
    let s = applySnapshot(createChatState(), snapshot({ rooms: [room('big', { memberCount: 500 })] }));
    const at = (userId: string, online: boolean) => ({ userId, online, lastSeenAt: online ? null : '2026-01-01T00:00:00.000Z' });
    // y went offline by an event that overtook the reply, which still says online.
    s = apply(s, { ev: 'presence.updated', data: at('y', false) });
    s = applyMembers(s, 'big', [member('x'), member('y')], [user('x'), user('y')], [at('x', true), at('y', true)]);
    expect(s.presence.x?.online).toBe(true);
    expect(s.presence.y?.online).toBe(false);
  });
});

describe('unread counts', () => {
  it('tracks lastSeq - lastReadSeq per room and the total, live', () => {
    let s = applySnapshot(createChatState(), snapshot({ rooms: [room('r1'), room('r2', { lastSeq: 3, lastReadSeq: 1, unreadCount: 2 })] }));
    expect(totalUnread(s)).toBe(2);
    s = apply(s, created(msg('r1', 1, 'a')), created(msg('r1', 2, 'b')));
    expect(s.rooms.r1!.unreadCount).toBe(2);
    expect(totalUnread(s)).toBe(4);
    s = apply(s, read('r1', [{ userId: 'me', seq: 1 }]));
    expect(s.rooms.r1!.unreadCount).toBe(1);
    s = apply(s, created(msg('r1', 3, 'me')));
    expect(s.rooms.r1!.unreadCount).toBe(0); // my own message moves my pointer
    expect(s.rooms.r1!.lastMessage!.seq).toBe(3);
    s = applyOwnRead(s, 'r2', 3);
    expect(totalUnread(s)).toBe(0);
  });

  it('a duplicate or late message.created changes nothing', () => {
    let s = applySnapshot(createChatState(), snapshot());
    s = apply(s, created(msg('r1', 1, 'a')), created(msg('r1', 2, 'a')));
    const before = s;
    s = apply(s, created(msg('r1', 1, 'a')), created(msg('r1', 2, 'a')));
    expect(s.rooms).toBe(before.rooms);
    expect(messagesOf(s, 'r1').map((m) => m.seq)).toEqual([1, 2]);
    expect(s.rooms.r1!.unreadCount).toBe(2);
  });

  it('out-of-order arrival keeps the newest as lastMessage', () => {
    let s = applySnapshot(createChatState(), snapshot());
    s = apply(s, created(msg('r1', 2, 'a')), created(msg('r1', 1, 'b')));
    expect(s.rooms.r1!.lastMessage!.seq).toBe(2);
    expect(s.rooms.r1!.lastSeq).toBe(2);
    expect(messagesOf(s, 'r1').map((m) => m.seq)).toEqual([1, 2]);
  });

  it('room.added / room.removed keep the list and total right', () => {
    let s = applySnapshot(createChatState(), snapshot());
    s = apply(s, { ev: 'room.added', data: { room: room('r9', { lastSeq: 4, unreadCount: 4 }) } });
    expect(totalUnread(s)).toBe(4);
    s = apply(s, created(msg('r9', 5, 'a')));
    s = apply(s, { ev: 'room.removed', data: { roomId: 'r9', reason: 'kicked' } });
    expect(s.rooms.r9).toBeUndefined();
    expect(s.windows.r9).toBeUndefined();
    expect(totalUnread(s)).toBe(0);
    s = apply(s, created(msg('r9', 6, 'a'))); // a straggler from another process
    expect(s.windows.r9).toBeUndefined();
  });

  it('an empty history anchors gap detection: first messages missed while the link was down are a gap', () => {
    let s = applySnapshot(createChatState(), snapshot({ rooms: [room('r9', { lastSeq: 0 })] }));
    s = applyHistory(s, 'r9', [], true);
    s = apply(s, created(msg('r9', 3, 'a'))); // 1 and 2 were sent while this client was away
    expect(gapOf(s.windows.r9!, s.rooms.r9!.lastSeq)).toEqual({ afterSeq: 0, toSeq: 3 });
  });

  it('a room that arrives live anchors gap detection at its lastSeq', () => {
    let s = applySnapshot(createChatState(), snapshot());
    s = apply(s, { ev: 'room.added', data: { room: room('r9', { lastSeq: 4, lastReadSeq: 4 }) } });
    s = apply(s, created(msg('r9', 7, 'a'))); // 5 and 6 were published before the gateway subscribed
    expect(gapOf(s.windows.r9!, s.rooms.r9!.lastSeq)).toEqual({ afterSeq: 4, toSeq: 7 });
    expect(s.rooms.r9!.unreadCount).toBe(3);
  });
});

describe('live sync of rooms, users, notices', () => {
  it('user.updated replaces the one cached copy and renames direct rooms', () => {
    let s = applySnapshot(createChatState(), snapshot({ rooms: [room('d1', { kind: 'direct', peerId: 'a', name: 'User a' })] }));
    const renamed = { ...user('a'), displayName: 'Alice', avatarUrl: 'https://x/a.png' };
    s = apply(s, { ev: 'user.updated', data: { user: renamed } });
    expect(s.users.a).toBe(renamed);
    expect(s.rooms.d1!.name).toBe('Alice');
    expect(s.rooms.d1!.avatarUrl).toBe('https://x/a.png');
    const meRenamed = { ...user('me'), displayName: 'Me!' };
    s = apply(s, { ev: 'user.updated', data: { user: meRenamed } });
    expect(s.me).toBe(meRenamed);
  });

  it('notices, role changes and announcements', () => {
    let s = applySnapshot(createChatState(), snapshot());
    const notice = { id: 'n1', roomId: 'r1', authorId: 'a', body: 'read me', createdAt: iso(t0) };
    s = apply(s, { ev: 'notice.created', data: { notice } });
    expect(s.rooms.r1!.notice).toEqual(notice);
    s = apply(s, { ev: 'notice.removed', data: { roomId: 'r1', noticeId: 'other' } });
    expect(s.rooms.r1!.notice).toEqual(notice);
    s = apply(s, { ev: 'notice.removed', data: { roomId: 'r1', noticeId: 'n1' } });
    expect(s.rooms.r1!.notice).toBeNull();
    s = apply(s, { ev: 'member.updated', data: { roomId: 'r1', member: { ...member('me'), role: 'admin' }, byUserId: 'a' } });
    expect(s.rooms.r1!.role).toBe('admin');
    expect(s.readers.r1!.me!.role).toBe('admin');
    const a1 = { id: 'a1', authorId: 'x', body: 'old', createdAt: iso(t0) };
    const a2 = { id: 'a2', authorId: 'x', body: 'new', createdAt: iso(t0 + 1000) };
    s = apply(s, { ev: 'announcement.created', data: { announcement: a1 } }, { ev: 'announcement.created', data: { announcement: a2 } });
    s = apply(s, { ev: 'announcement.created', data: { announcement: a1 } });
    expect(s.announcements.map((a) => a.id)).toEqual(['a2', 'a1']);
  });

  it('room list is ordered by last activity', () => {
    let s = applySnapshot(createChatState(), snapshot({ rooms: [room('r1'), room('r2'), room('r3')] }));
    s = apply(
      s,
      created(msg('r2', 1, 'a', { createdAt: iso(t0 + 1) })),
      created(msg('r3', 1, 'a', { createdAt: iso(t0 + 2) })),
      created(msg('r1', 2, 'a', { createdAt: iso(t0 + 3) })),
    );
    expect(roomList(s).map((r) => r.id)).toEqual(['r1', 'r3', 'r2']);
  });
});

describe('typing', () => {
  it('expires Limits.typingExpiryMs after the last event, by the injected clock', () => {
    let s = applySnapshot(createChatState(), snapshot());
    const typing = (userId: string): ServerEvent => ({ ev: 'typing', data: { roomId: 'r1', userId, at: iso(0) } });
    s = applyEvent(s, typing('a'), 1000);
    s = applyEvent(s, typing('b'), 3000);
    s = applyEvent(s, typing('me'), 3000); // my own echo is not shown
    expect(typingUsers(s, 'r1', 3000)).toEqual(['a', 'b']);
    expect(nextTypingExpiry(s)).toBe(1000 + Limits.typingExpiryMs);
    expect(typingUsers(s, 'r1', 1000 + Limits.typingExpiryMs)).toEqual(['b']);
    s = applyEvent(s, typing('a'), 5000); // refreshed
    expect(typingUsers(s, 'r1', 1000 + Limits.typingExpiryMs)).toEqual(['b', 'a']);
    const pruned = pruneTyping(s, 5000 + Limits.typingExpiryMs);
    expect(pruned.typing.r1).toBeUndefined();
    expect(pruneTyping(pruned, 10 ** 9)).toBe(pruned);
  });

  it('a message from the typist clears the indicator', () => {
    let s = applySnapshot(createChatState(), snapshot());
    s = applyEvent(s, { ev: 'typing', data: { roomId: 'r1', userId: 'a', at: iso(0) } }, 0);
    s = applyEvent(s, created(msg('r1', 1, 'a')), 10);
    expect(typingUsers(s, 'r1', 10)).toEqual([]);
  });
});

describe('snapshot and outbox', () => {
  it('a reconnect snapshot replaces rooms and readers, keeps windows of rooms still listed', () => {
    let s = applySnapshot(createChatState(), snapshot({ rooms: [room('r1'), room('r2')] }));
    s = apply(s, created(msg('r1', 1, 'a')), created(msg('r2', 1, 'a')));
    s = applyEvent(s, { ev: 'typing', data: { roomId: 'r1', userId: 'a', at: iso(0) } }, 0);
    s = applySnapshot(s, snapshot({ rooms: [room('r1', { lastSeq: 5, lastReadSeq: 1, unreadCount: 4 })], users: [user('me')] }));
    expect(Object.keys(s.rooms)).toEqual(['r1']);
    expect(s.windows.r2).toBeUndefined();
    expect(messagesOf(s, 'r1').map((m) => m.seq)).toEqual([1]);
    expect(s.typing).toEqual({});
    expect(s.users.a).toBeDefined(); // kept so old messages still have a name
  });

  it('the acknowledged message replaces its pending entry: never shown twice', () => {
    let s = applySnapshot(createChatState(), snapshot());
    s = addToOutbox(s, { clientMsgId: 'c-1', roomId: 'r1', body: 'hi', createdAt: 0 });
    expect(s.outbox).toHaveLength(1);
    s = apply(s, created(msg('r1', 1, 'me', { clientMsgId: 'c-1', body: 'hi' })));
    expect(s.outbox).toHaveLength(0);
    s = applyMessage(s, msg('r1', 1, 'me', { clientMsgId: 'c-1', body: 'hi' })); // the ack, after the event
    expect(messagesOf(s, 'r1')).toHaveLength(1);
  });

  it('a snapshot drops pending sends of rooms no longer listed', () => {
    let s = applySnapshot(createChatState(), snapshot({ rooms: [room('r1'), room('r2')] }));
    s = addToOutbox(s, { clientMsgId: 'c-1', roomId: 'r2', body: 'hi', createdAt: 0 });
    s = addToOutbox(s, { clientMsgId: 'c-2', roomId: 'r1', body: 'hi', createdAt: 0 });
    s = applySnapshot(s, snapshot());
    expect(s.outbox.map((e) => e.clientMsgId)).toEqual(['c-2']);
  });
});
