import { Type, type Static, type TSchema } from '@sinclair/typebox';
import {
  Announcement,
  ClientMsgId,
  ClientText,
  Emoji,
  Id,
  Member,
  Message,
  MessageBody,
  MessageReactions,
  NotifyLevel,
  Pin,
  Presence,
  ClientTimestamp,
  ReactionCount,
  Room,
  RoomReaders,
  SearchCursor,
  SearchQueryText,
  SearchResult,
  Seq,
  Timestamp,
  User,
} from './entities.js';
import { Limits } from './limits.js';

/**
 * Every WebSocket request: its `data` schema and its reply `data` schema.
 * The server validates requests against `data`; the SDK infers its method types from both.
 */
export const Ops = {
  /** Must be the first request on a connection. */
  hello: {
    data: Type.Object({
      token: ClientText({ minLength: 1, maxLength: 4096 }),
      /**
       * Rooms whose read pointers (and members' profiles and presence) the snapshot should carry:
       * the ones the client shows. Without it, none: every small room's pointers in every hello
       * made a reconnect storm cost rooms × members per user.
       */
      readers: Type.Optional(Type.Array(Id, { maxItems: Limits.helloReaderRooms })),
    }),
    reply: Type.Object({
      user: User,
      connectionId: Type.String(),
      serverTime: Type.String(),
      rooms: Type.Array(Room),
      totalUnread: Type.Integer({ minimum: 0 }),
      /** Sum of the rooms' `mentionCount`. */
      totalMentions: Type.Integer({ minimum: 0 }),
      /** The viewer, direct peers, the senders of the rooms' last messages and the members of the `readers` rooms. */
      users: Type.Array(User),
      presence: Type.Array(Presence),
      /** Read pointers of the rooms asked for in `readers` that have at most `Limits.snapshotReadersPerRoom` members. */
      readers: Type.Array(RoomReaders),
      announcements: Type.Array(Announcement),
    }),
  },
  'message.send': {
    data: Type.Object({
      roomId: Id,
      /** Optional when `attachments` has at least one upload. */
      body: Type.Optional(MessageBody),
      clientMsgId: ClientMsgId,
      /** Completed uploads of the sender for this room, each attachable once. */
      attachments: Type.Optional(Type.Array(Id, { minItems: 1, maxItems: Limits.maxAttachmentsPerMessage })),
      /** A message of the same room the sender can see; the stored message carries its quote. */
      replyTo: Type.Optional(Id),
    }),
    reply: Type.Object({ message: Message }),
  },
  'message.edit': {
    data: Type.Object({ messageId: Id, body: MessageBody }),
    reply: Type.Object({ message: Message }),
  },
  'message.delete': {
    data: Type.Object({ messageId: Id }),
    reply: Type.Object({ message: Message }),
  },
  /** History by seq, ascending: the same as the HTTP history route, for gap filling. */
  'message.list': {
    data: Type.Object({
      roomId: Id,
      afterSeq: Type.Optional(Seq),
      beforeSeq: Type.Optional(Seq),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: Limits.maxHistoryPage })),
    }),
    /** `reactions`: counts of the page's messages that have any, as the caller sees them. */
    reply: Type.Object({ messages: Type.Array(Message), reactions: Type.Array(MessageReactions) }),
  },
  /** Full-text search, newest first; `roomId` limits it to one room. Same as `GET /api/v1/search/messages`. */
  'message.search': {
    data: Type.Object({
      query: SearchQueryText,
      roomId: Type.Optional(Id),
      before: Type.Optional(SearchCursor),
      limit: Type.Optional(Type.Integer({ minimum: 1, maximum: Limits.maxSearchPage })),
    }),
    reply: Type.Object({ results: Type.Array(SearchResult), nextBefore: Type.Union([SearchCursor, Type.Null()]) }),
  },
  'reaction.add': {
    data: Type.Object({ messageId: Id, emoji: Emoji }),
    reply: Type.Object({ roomId: Id, messageId: Id, reactions: Type.Array(ReactionCount) }),
  },
  'reaction.remove': {
    data: Type.Object({ messageId: Id, emoji: Emoji }),
    reply: Type.Object({ roomId: Id, messageId: Id, reactions: Type.Array(ReactionCount) }),
  },
  /** Who reacted with what, on demand. */
  'reaction.list': {
    data: Type.Object({ messageId: Id }),
    reply: Type.Object({
      roomId: Id,
      messageId: Id,
      reactions: Type.Array(Type.Object({ emoji: Type.String(), userIds: Type.Array(Id) })),
    }),
  },
  /** Counts of loaded messages, for a client that was away (resync). */
  'reaction.counts': {
    data: Type.Object({ roomId: Id, messageIds: Type.Array(Id, { minItems: 1, maxItems: Limits.maxHistoryPage }) }),
    reply: Type.Object({ roomId: Id, reactions: Type.Array(MessageReactions) }),
  },
  'pin.add': {
    data: Type.Object({ messageId: Id }),
    reply: Type.Object({ roomId: Id, pin: Pin }),
  },
  'pin.remove': {
    data: Type.Object({ messageId: Id }),
    reply: Type.Object({ roomId: Id, messageId: Id }),
  },
  /** My notification level for a room; `muteUntil` (future, at most `Limits.maxMuteMs` ahead) or null unmutes. */
  'room.settings': {
    data: Type.Object({ roomId: Id, notify: NotifyLevel, muteUntil: Type.Optional(Type.Union([ClientTimestamp, Type.Null()])) }),
    reply: Type.Object({ roomId: Id, notify: NotifyLevel, muteUntil: Type.Union([Timestamp, Type.Null()]) }),
  },
  'room.read': {
    data: Type.Object({ roomId: Id, seq: Seq }),
    reply: Type.Object({ roomId: Id, lastReadSeq: Seq, unreadCount: Type.Integer({ minimum: 0 }) }),
  },
  /** Members with their read pointers, and their profiles: for rooms too big for the snapshot. */
  'room.members': {
    data: Type.Object({ roomId: Id }),
    reply: Type.Object({ roomId: Id, members: Type.Array(Member), users: Type.Array(User), presence: Type.Array(Presence) }),
  },
  typing: {
    data: Type.Object({ roomId: Id }),
    reply: Type.Object({}),
  },
  ping: {
    data: Type.Object({}),
    reply: Type.Object({ serverTime: Type.String() }),
  },
} satisfies Record<string, { data: TSchema; reply: TSchema }>;

export type OpName = keyof typeof Ops;
export type OpData<K extends OpName> = Static<(typeof Ops)[K]['data']>;
export type OpReply<K extends OpName> = Static<(typeof Ops)[K]['reply']>;
export const opNames = Object.keys(Ops) as OpName[];

/**
 * Own-property lookup: `name in Ops` is also true for `toString`, `__proto__` and the
 * rest of Object.prototype, which a client can send as an op.
 */
export function isOpName(name: string): name is OpName {
  return Object.hasOwn(Ops, name);
}
