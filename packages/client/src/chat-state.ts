import {
  compareRooms,
  Limits,
  readSeqAfterMessage,
  type Announcement,
  type Member,
  type Message,
  type OpReply,
  type MessageReactions,
  type Presence,
  type ReactionCount,
  type Room,
  type ServerEvent,
  type User,
} from '@chatchat/protocol';
import {
  applyPinAdded,
  applyPinRemoved,
  applyReactionCounts,
  applyReactionUpdate,
  applySettings,
  countMention,
  dropRoomReactions,
  readMentions,
  requote,
  roomAfterUpdate,
  type ReactionTable,
} from './conversation-state.js';
import { emptyWindow, findBySeq, mergeMessages, newerMessage, updateMessage, windowFrom, type MessageWindow } from './message-window.js';
import { drop, put, type Table } from './table.js';

export type HelloSnapshot = OpReply<'hello'>;

/** A message accepted by `send` and not yet acknowledged by the server. */
export interface OutboxEntry {
  readonly clientMsgId: string;
  readonly roomId: string;
  readonly body: string;
  /** The message this one answers. */
  readonly replyTo?: string;
  /** Completed upload ids the message carries (`body` may then be empty). */
  readonly attachments?: readonly string[];
  /** Client clock, ms since the epoch. */
  readonly createdAt: number;
}

/**
 * Everything the client knows, as one immutable value: each change produces a new object
 * and shares what did not change, so UIs can compare by identity.
 */
export interface ChatState {
  readonly me: User | null;
  readonly rooms: Table<Room>;
  /** One copy per user, whoever mentioned them last (snapshot, member lists, user.updated). */
  readonly users: Table<User>;
  readonly presence: Table<Presence>;
  /** roomId → userId → member pointers. A room is absent while its pointers are not loaded. */
  readonly readers: Table<Table<Member>>;
  /** roomId → userId → when the indicator expires (client clock, ms). */
  readonly typing: Table<Table<number>>;
  /** Newest first. */
  readonly announcements: readonly Announcement[];
  /** Loaded messages per room. */
  readonly windows: Table<MessageWindow>;
  /** Unacknowledged sends, oldest first. */
  readonly outbox: readonly OutboxEntry[];
  /** roomId → messageId → reaction counts as I see them, for loaded messages that have any. */
  readonly reactions: ReactionTable;
}

export function createChatState(): ChatState {
  return {
    me: null,
    rooms: {},
    users: {},
    presence: {},
    readers: {},
    typing: {},
    announcements: [],
    windows: {},
    outbox: [],
    reactions: {},
  };
}

function byKey<T>(items: readonly T[], key: (item: T) => string): Record<string, T> {
  const out: Record<string, T> = {};
  for (const item of items) out[key(item)] = item;
  return out;
}

function withPointers(room: Room, lastSeq: number, lastReadSeq: number): Room {
  const unreadCount = Math.max(0, lastSeq - lastReadSeq);
  if (room.lastSeq === lastSeq && room.lastReadSeq === lastReadSeq && room.unreadCount === unreadCount) return room;
  // Reading past a mention clears it.
  const mentions = lastReadSeq > room.lastReadSeq ? readMentions(room, lastReadSeq) : room;
  return { ...room, lastSeq, lastReadSeq, unreadCount, mentionCount: mentions.mentionCount, mentionSeqs: mentions.mentionSeqs };
}

function sortAnnouncements(list: readonly Announcement[]): Announcement[] {
  const unique = Object.values(byKey(list, (a) => a.id));
  return unique.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

/**
 * A (re)connect's snapshot replaces rooms, presence, readers, notices and announcements.
 * Users are merged rather than replaced so loaded messages from people who left still
 * resolve to a name. Windows of rooms still in the list are kept (the caller fills their
 * gaps); typing indicators are dropped since they are never replayed.
 */
export function applySnapshot(state: ChatState, snapshot: HelloSnapshot): ChatState {
  const rooms = byKey(snapshot.rooms, (r) => r.id);
  const windows: Record<string, MessageWindow> = {};
  for (const [roomId, window] of Object.entries(state.windows)) if (rooms[roomId]) windows[roomId] = window;
  const readers: Record<string, Table<Member>> = {};
  for (const r of snapshot.readers) readers[r.roomId] = byKey(r.members, (m) => m.userId);
  return {
    me: snapshot.user,
    rooms,
    users: { ...state.users, ...byKey(snapshot.users, (u) => u.id), [snapshot.user.id]: snapshot.user },
    presence: byKey(snapshot.presence, (p) => p.userId),
    readers,
    typing: {},
    announcements: sortAnnouncements(snapshot.announcements),
    windows,
    outbox: state.outbox.filter((e) => rooms[e.roomId]),
    // Kept for loaded windows; the client refreshes them after a reconnect (reaction.counts).
    reactions: Object.fromEntries(Object.entries(state.reactions).filter(([roomId]) => rooms[roomId])),
  };
}

function movePointer(state: ChatState, roomId: string, userId: string, seq: number): ChatState {
  let next = state;
  if (state.me && userId === state.me.id) {
    const room = state.rooms[roomId];
    if (room && seq > room.lastReadSeq) next = { ...next, rooms: put(next.rooms, roomId, withPointers(room, room.lastSeq, seq)) };
  }
  const readers = next.readers[roomId];
  const member = readers?.[userId];
  if (readers && member && seq > member.lastReadSeq) {
    next = { ...next, readers: put(next.readers, roomId, put(readers, userId, { ...member, lastReadSeq: seq })) };
  }
  return next;
}

/** Moves my read pointer forward (optimistically on markRead, or from the server's reply). */
export function applyOwnRead(state: ChatState, roomId: string, seq: number): ChatState {
  return state.me ? movePointer(state, roomId, state.me.id, seq) : state;
}

function stopTyping(state: ChatState, roomId: string, userId: string): ChatState {
  const room = state.typing[roomId];
  if (!room || !(userId in room)) return state;
  const rest = drop(room, userId);
  return { ...state, typing: Object.keys(rest).length ? put(state.typing, roomId, rest) : drop(state.typing, roomId) };
}

function removeRoom(state: ChatState, roomId: string): ChatState {
  return {
    ...state,
    rooms: drop(state.rooms, roomId),
    readers: drop(state.readers, roomId),
    typing: drop(state.typing, roomId),
    windows: drop(state.windows, roomId),
    outbox: state.outbox.some((e) => e.roomId === roomId) ? state.outbox.filter((e) => e.roomId !== roomId) : state.outbox,
    reactions: dropRoomReactions(state.reactions, roomId),
  };
}

/**
 * A message that is part of the room's history (live event, send acknowledgement). The
 * sender's pointer moves as the server moved it on store (`readSeqAfterMessage`), so the
 * sender never counts as a reader who has not read it.
 */
export function applyMessage(state: ChatState, message: Message): ChatState {
  const room = state.rooms[message.roomId];
  if (!room) return state;
  const mine = state.me?.id === message.senderId;
  let next: ChatState = state;

  let updated = room;
  if (message.seq > room.lastSeq) updated = { ...room, lastMessage: message };
  else if (room.lastMessage?.seq === message.seq) {
    const kept = newerMessage(room.lastMessage, message);
    if (kept !== room.lastMessage) updated = { ...room, lastMessage: kept };
  }
  const myReadSeq = state.me ? readSeqAfterMessage({ userId: state.me.id, lastReadSeq: room.lastReadSeq }, message) : room.lastReadSeq;
  updated = countMention(updated, message, state.me?.id);
  updated = withPointers(updated, Math.max(room.lastSeq, message.seq), myReadSeq);
  next = { ...next, rooms: put(next.rooms, room.id, updated) };

  const sender = next.readers[room.id]?.[message.senderId];
  if (sender) next = movePointer(next, room.id, sender.userId, readSeqAfterMessage(sender, message));
  next = stopTyping(next, room.id, message.senderId);

  const window = next.windows[room.id] ?? emptyWindow;
  const merged = mergeMessages(window, [message]);
  if (merged !== window) next = { ...next, windows: put(next.windows, room.id, merged) };

  if (mine && message.clientMsgId && next.outbox.some((e) => e.clientMsgId === message.clientMsgId)) {
    next = { ...next, outbox: next.outbox.filter((e) => e.clientMsgId !== message.clientMsgId) };
  }
  return next;
}

/** An edit or deletion: replaces held copies (window, room preview); nothing else moves. */
export function applyMessageUpdate(state: ChatState, message: Message): ChatState {
  let next = state;
  const held = state.rooms[message.roomId];
  // Pins and mention counts follow edits and deletions.
  const room = held && roomAfterUpdate(held, message);
  if (room && room !== held) next = { ...next, rooms: put(next.rooms, room.id, room) };
  if (room?.lastMessage?.seq === message.seq) {
    const kept = newerMessage(room.lastMessage, message);
    if (kept !== room.lastMessage) next = { ...next, rooms: put(next.rooms, room.id, { ...room, lastMessage: kept }) };
  }
  if (message.deletedAt && next.reactions[message.roomId]?.[message.id]) {
    next = {
      ...next,
      reactions: applyReactionUpdate(next.reactions, undefined, {
        roomId: message.roomId,
        messageId: message.id,
        reactions: [],
        changes: [],
      }),
    };
  }
  const held2 = next.windows[message.roomId];
  if (held2) {
    const messages = requote(held2.messages, message);
    if (messages !== held2.messages) next = { ...next, windows: put(next.windows, message.roomId, { ...held2, messages }) };
  }
  const window = next.windows[message.roomId];
  if (window) {
    // An update can overtake its own message.created across processes; keep it if it
    // belongs above what we hold, gap detection then fetches what lies between.
    const top = window.messages[window.messages.length - 1]?.seq ?? window.floorSeq;
    const merged = top !== null && message.seq > top ? mergeMessages(window, [message]) : updateMessage(window, message);
    if (merged !== window) next = { ...next, windows: put(next.windows, message.roomId, merged) };
  }
  return next;
}

/** A page of history or a gap fill; only for rooms in the list. */
export function applyHistory(
  state: ChatState,
  roomId: string,
  messages: readonly Message[],
  reachedStart = false,
  reactions?: readonly MessageReactions[],
): ChatState {
  if (!state.rooms[roomId]) return state;
  if (reactions)
    state = {
      ...state,
      reactions: applyReactionCounts(
        state.reactions,
        roomId,
        messages.map((m) => m.id),
        reactions,
      ),
    };
  const window = state.windows[roomId] ?? emptyWindow;
  let merged = mergeMessages(window, messages);
  if (reachedStart && !merged.reachedStart) merged = { ...merged, reachedStart: true };
  // Nothing to see up to the room's lastSeq: the run starts there, so messages missed while
  // the link was down show up as a gap (an empty window without a floor has none to fill).
  if (reachedStart && merged.messages.length === 0 && merged.floorSeq === null) {
    merged = { ...windowFrom(state.rooms[roomId]!.lastSeq), reachedStart: true };
  }
  let next = merged === window ? state : { ...state, windows: put(state.windows, roomId, merged) };
  // History can be newer than the room summary (e.g. fetched before its event arrived).
  const newest = messages.reduce<Message | undefined>((a, m) => (!a || m.seq > a.seq ? m : a), undefined);
  const room = next.rooms[roomId]!;
  if (newest && newest.seq > room.lastSeq) {
    next = { ...next, rooms: put(next.rooms, roomId, withPointers({ ...room, lastMessage: newest }, newest.seq, room.lastReadSeq)) };
  }
  return next;
}

/**
 * `room.members` reply: the room's full pointer list, authoritative at reply time, with its
 * members' profiles and presence. Presence fills only users not known yet: a known user's is
 * kept live by `presence.updated`, which may have overtaken the reply.
 */
export function applyMembers(
  state: ChatState,
  roomId: string,
  members: readonly Member[],
  users: readonly User[],
  presence: readonly Presence[] = [],
): ChatState {
  const room = state.rooms[roomId];
  if (!room) return state;
  const previous = state.readers[roomId];
  const table: Record<string, Member> = {};
  for (const m of members) {
    // A room.read event may have overtaken the reply; pointers only move forward.
    const had = previous?.[m.userId];
    table[m.userId] = had && had.lastReadSeq > m.lastReadSeq ? { ...m, lastReadSeq: had.lastReadSeq } : m;
  }
  return {
    ...state,
    rooms: put(state.rooms, roomId, room.memberCount === members.length ? room : { ...room, memberCount: members.length }),
    users: { ...state.users, ...byKey(users, (u) => u.id) },
    presence: { ...byKey(presence, (p) => p.userId), ...state.presence },
    readers: put(state.readers, roomId, table),
  };
}

export function addToOutbox(state: ChatState, entry: OutboxEntry): ChatState {
  return { ...state, outbox: [...state.outbox, entry] };
}

export function removeFromOutbox(state: ChatState, clientMsgId: string): ChatState {
  return state.outbox.some((e) => e.clientMsgId === clientMsgId)
    ? { ...state, outbox: state.outbox.filter((e) => e.clientMsgId !== clientMsgId) }
    : state;
}

function updateRoom(state: ChatState, roomId: string, change: (room: Room) => Room): ChatState {
  const room = state.rooms[roomId];
  if (!room) return state;
  const next = change(room);
  return next === room ? state : { ...state, rooms: put(state.rooms, roomId, next) };
}

/** Applies one server event. `now` is the client clock in ms (typing expiry). */
export function applyEvent(state: ChatState, event: ServerEvent, now: number): ChatState {
  switch (event.ev) {
    case 'message.created':
      return applyMessage(state, event.data.message);
    case 'message.updated':
    case 'message.deleted':
      return applyMessageUpdate(state, event.data.message);
    case 'room.read': {
      let next = state;
      for (const r of event.data.reads) next = movePointer(next, event.data.roomId, r.userId, r.seq);
      return next;
    }
    case 'room.added': {
      const { room } = event.data;
      const had = state.rooms[room.id];
      if (!had) {
        // Whatever was held from an earlier membership is stale. Events right after a join can
        // be missed while the gateway subscribes, so the room's lastSeq anchors gap detection.
        const cleared = removeRoom(state, room.id);
        return { ...cleared, rooms: put(cleared.rooms, room.id, room), windows: put(cleared.windows, room.id, windowFrom(room.lastSeq)) };
      }
      // A repeated add must not move anything backwards that live events moved forward.
      const lastMessage = (had.lastMessage?.seq ?? 0) > (room.lastMessage?.seq ?? 0) ? had.lastMessage : room.lastMessage;
      const merged = withPointers(
        { ...room, lastMessage },
        Math.max(had.lastSeq, room.lastSeq),
        Math.max(had.lastReadSeq, room.lastReadSeq),
      );
      return { ...state, rooms: put(state.rooms, room.id, merged) };
    }
    case 'room.removed':
      return removeRoom(state, event.data.roomId);
    case 'room.updated': {
      const room = state.rooms[event.data.roomId];
      if (!room) return state;
      const { name, avatarUrl, description } = event.data;
      return { ...state, rooms: put(state.rooms, room.id, { ...room, name, avatarUrl, description }) };
    }
    case 'room.settings':
      return updateRoom(state, event.data.roomId, (room) => applySettings(room, event.data));
    case 'pin.added':
      return updateRoom(state, event.data.roomId, (room) => applyPinAdded(room, event.data.pin));
    case 'pin.removed':
      return updateRoom(state, event.data.roomId, (room) => applyPinRemoved(room, event.data.messageId));
    case 'reaction.updated':
      if (!state.rooms[event.data.roomId]) return state;
      return { ...state, reactions: applyReactionUpdate(state.reactions, state.me?.id, event.data) };
    case 'member.joined': {
      const { roomId, members, users } = event.data;
      let next: ChatState = { ...state, users: { ...state.users, ...byKey(users, (u) => u.id) } };
      const room = next.rooms[roomId];
      if (!room) return next;
      const readers = next.readers[roomId];
      const fresh = members.filter((m) => !readers?.[m.userId]);
      if (readers) next = { ...next, readers: put(next.readers, roomId, { ...readers, ...byKey(fresh, (m) => m.userId) }) };
      // When I am among the joiners, room.added carries the authoritative count.
      if (!members.some((m) => m.userId === state.me?.id) && fresh.length > 0) {
        next = { ...next, rooms: put(next.rooms, roomId, { ...room, memberCount: room.memberCount + fresh.length }) };
      }
      return next;
    }
    case 'member.left': {
      const { roomId, userId } = event.data;
      if (userId === state.me?.id) return removeRoom(state, roomId);
      const room = state.rooms[roomId];
      if (!room) return state;
      const readers = state.readers[roomId];
      if (readers && !readers[userId]) return stopTyping(state, roomId, userId);
      const next: ChatState = {
        ...state,
        rooms: put(state.rooms, roomId, { ...room, memberCount: Math.max(0, room.memberCount - 1) }),
        readers: readers ? put(state.readers, roomId, drop(readers, userId)) : state.readers,
      };
      return stopTyping(next, roomId, userId);
    }
    case 'member.updated': {
      const { roomId, member } = event.data;
      let next = state;
      const room = state.rooms[roomId];
      if (room && member.userId === state.me?.id) {
        next = {
          ...next,
          rooms: put(
            next.rooms,
            roomId,
            withPointers({ ...room, role: member.role }, room.lastSeq, Math.max(room.lastReadSeq, member.lastReadSeq)),
          ),
        };
      }
      const readers = next.readers[roomId];
      if (readers) {
        const had = readers[member.userId];
        const merged = had && had.lastReadSeq > member.lastReadSeq ? { ...member, lastReadSeq: had.lastReadSeq } : member;
        next = { ...next, readers: put(next.readers, roomId, put(readers, member.userId, merged)) };
      }
      return next;
    }
    case 'presence.updated':
      return { ...state, presence: put(state.presence, event.data.userId, event.data) };
    case 'user.updated': {
      const { user } = event.data;
      let rooms = state.rooms;
      for (const room of Object.values(state.rooms)) {
        if (room.kind !== 'direct' || room.peerId !== user.id) continue;
        // A direct room is shown as its peer.
        rooms = put(rooms, room.id, { ...room, name: user.displayName, avatarUrl: user.avatarUrl });
      }
      return {
        ...state,
        me: state.me?.id === user.id ? user : state.me,
        users: put(state.users, user.id, user),
        rooms,
      };
    }
    case 'notice.created': {
      const { notice } = event.data;
      const room = state.rooms[notice.roomId];
      if (!room) return state;
      return { ...state, rooms: put(state.rooms, room.id, { ...room, notice }) };
    }
    case 'notice.removed': {
      const room = state.rooms[event.data.roomId];
      if (!room || room.notice?.id !== event.data.noticeId) return state;
      return { ...state, rooms: put(state.rooms, room.id, { ...room, notice: null }) };
    }
    case 'announcement.created':
      return { ...state, announcements: sortAnnouncements([event.data.announcement, ...state.announcements]) };
    case 'typing': {
      const { roomId, userId } = event.data;
      if (userId === state.me?.id || !state.rooms[roomId]) return state;
      // Expiry runs on the client clock: the event's `at` is the server's, and clocks differ.
      const room = state.typing[roomId] ?? {};
      return { ...state, typing: put(state.typing, roomId, put(room, userId, now + Limits.typingExpiryMs)) };
    }
    default:
      return state;
  }
}

// ---- selectors ----

export function totalUnread(state: ChatState): number {
  let sum = 0;
  for (const room of Object.values(state.rooms)) sum += room.unreadCount;
  return sum;
}

/**
 * KakaoTalk's number next to a message: how many members have not read message `seq` yet.
 * A member counts when they were in the room when it was sent (`joinedSeq < seq`: joinedSeq
 * is the room's lastSeq at their join, so `seq > joinedSeq` is after it) and their pointer
 * is below it (`lastReadSeq < seq`). The sender's pointer moved to `seq` when it was stored,
 * and members who left are no longer in the list, so neither counts.
 * Undefined while the room's pointers are not loaded (big rooms: call loadReaders).
 */
export function readCount(state: ChatState, roomId: string, seq: number): number | undefined {
  const readers = state.readers[roomId];
  if (!readers) return undefined;
  let count = 0;
  for (const m of Object.values(readers)) if (m.joinedSeq < seq && m.lastReadSeq < seq) count++;
  return count;
}

/** Users typing in the room at `now`, oldest indicator first. */
export function typingUsers(state: ChatState, roomId: string, now: number): string[] {
  const room = state.typing[roomId];
  if (!room) return [];
  return Object.entries(room)
    .filter(([, until]) => until > now)
    .sort((a, b) => a[1] - b[1])
    .map(([userId]) => userId);
}

/** Drops expired typing indicators; returns the same state when none expired. */
export function pruneTyping(state: ChatState, now: number): ChatState {
  let typing = state.typing;
  for (const [roomId, users] of Object.entries(state.typing)) {
    const live = Object.entries(users).filter(([, until]) => until > now);
    if (live.length === Object.keys(users).length) continue;
    typing = live.length ? put(typing, roomId, Object.fromEntries(live)) : drop(typing, roomId);
  }
  return typing === state.typing ? state : { ...state, typing };
}

/** The earliest pending typing expiry, for scheduling one timer. */
export function nextTypingExpiry(state: ChatState): number | undefined {
  let next: number | undefined;
  for (const users of Object.values(state.typing))
    for (const until of Object.values(users)) if (next === undefined || until < next) next = until;
  return next;
}

/** Rooms in the server's order (`compareRooms`): newest activity first. */
export function roomList(state: ChatState): Room[] {
  return Object.values(state.rooms).sort(compareRooms);
}

export function messagesOf(state: ChatState, roomId: string): readonly Message[] {
  return state.windows[roomId]?.messages ?? [];
}

export function pendingOf(state: ChatState, roomId: string): OutboxEntry[] {
  return state.outbox.filter((e) => e.roomId === roomId);
}

export function hasMessage(state: ChatState, roomId: string, seq: number): boolean {
  const window = state.windows[roomId];
  return window ? findBySeq(window, seq) !== undefined : false;
}

/** Unread mentions over all rooms. */
export function totalMentions(state: ChatState): number {
  let sum = 0;
  for (const room of Object.values(state.rooms)) sum += room.mentionCount;
  return sum;
}

export function reactionsOf(state: ChatState, roomId: string, messageId: string): readonly ReactionCount[] {
  return state.reactions[roomId]?.[messageId] ?? [];
}
