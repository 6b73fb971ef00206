import { Type, type Static } from '@sinclair/typebox';
import { Limits } from './limits.js';

/**
 * Text a client sends. NUL is refused everywhere (PostgreSQL text cannot store it, and
 * no legitimate text has one); the schema carries the rule, so HTTP and WS both apply it.
 */
export const noNulPattern = '^[^\\x00]*$';
export const ClientText = (options: { minLength?: number; maxLength: number; description?: string }) =>
  Type.String({ ...options, pattern: noNulPattern });

/** Opaque identifiers; servers mint them, clients never parse them. */
export const Id = ClientText({ minLength: 1, maxLength: 64 });
/** ISO-8601 timestamp in UTC. */
export const Timestamp = Type.String({ format: 'date-time' });
/** Within what a JSON number carries exactly (2^53 - 1); the columns are 64-bit. */
export const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });

export const User = Type.Object({
  id: Id,
  username: Type.String(),
  displayName: Type.String(),
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
  statusMessage: Type.Union([Type.String(), Type.Null()]),
});
export type User = Static<typeof User>;

export const RoomKind = Type.Union([Type.Literal('group'), Type.Literal('direct')]);
export type RoomKind = Static<typeof RoomKind>;

export const Role = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('member')]);
export type Role = Static<typeof Role>;

export const MessageKind = Type.Union([Type.Literal('text'), Type.Literal('file'), Type.Literal('system')]);
export type MessageKind = Static<typeof MessageKind>;

/** Server-made versions of an image attachment: `GET /api/v1/attachments/:id?variant=<name>`. */
export const AttachmentVariant = Type.Union([
  Type.Literal('thumb320'),
  Type.Literal('thumb1280'),
  Type.Literal('avatar64'),
  Type.Literal('avatar256'),
]);
export type AttachmentVariant = Static<typeof AttachmentVariant>;

/** A file on a message (or an avatar): enough to lay it out before any byte loads. */
export const Attachment = Type.Object({
  /** The upload's id; also the attachment's. */
  id: Id,
  name: Type.String(),
  contentType: Type.String(),
  size: Type.Integer({ minimum: 1 }),
  /** Images: pixel size as displayed (EXIF orientation applied). */
  width: Type.Optional(Type.Integer({ minimum: 1 })),
  height: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Images: a ThumbHash (base64), a ~25-byte blurred preview for the reserved box. */
  placeholder: Type.Optional(Type.String()),
  /** Variants made so far; thumbnails arrive later by `message.updated`. */
  variants: Type.Array(AttachmentVariant),
  /** Same-origin path of the bytes (needs a token, or use `/link` for a signed URL). */
  url: Type.String(),
});
export type Attachment = Static<typeof Attachment>;
/** What a reply shows of the message it answers; `seq` lets a client jump to the original. */
export const ReplyQuote = Type.Object({
  messageId: Id,
  seq: Seq,
  senderId: Id,
  /** The original's first characters when the reply was sent; empty once the original is deleted. */
  excerpt: Type.String(),
  deleted: Type.Boolean(),
  /** The original was edited after the reply quoted it. */
  edited: Type.Boolean(),
});
export type ReplyQuote = Static<typeof ReplyQuote>;

export const Message = Type.Object({
  id: Id,
  roomId: Id,
  seq: Seq,
  senderId: Id,
  kind: MessageKind,
  /** Empty once deleted. */
  body: Type.String(),
  clientMsgId: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  editedAt: Type.Union([Timestamp, Type.Null()]),
  deletedAt: Type.Union([Timestamp, Type.Null()]),
  /** Files on the message (absent when none; emptied when the message is deleted). */
  attachments: Type.Optional(Type.Array(Attachment)),
  replyTo: Type.Union([ReplyQuote, Type.Null()]),
  /** Users mentioned by `@username`, resolved by the server to current members when the message was sent. */
  mentions: Type.Array(Id),
  /** `@all` by an owner or admin of a group: mentions every member. */
  mentionsAll: Type.Boolean(),
});
export type Message = Static<typeof Message>;

/** Counts per emoji on one message, as one viewer sees them. */
export const ReactionCount = Type.Object({ emoji: Type.String(), count: Type.Integer({ minimum: 1 }), me: Type.Boolean() });
export type ReactionCount = Static<typeof ReactionCount>;
export const MessageReactions = Type.Object({ messageId: Id, reactions: Type.Array(ReactionCount) });
export type MessageReactions = Static<typeof MessageReactions>;

export const Pin = Type.Object({
  messageId: Id,
  seq: Seq,
  pinnedBy: Id,
  pinnedAt: Timestamp,
  message: Message,
});
export type Pin = Static<typeof Pin>;

/** Which messages of a room notify me: every one, only those that mention me, none. */
export const NotifyLevel = Type.Union([Type.Literal('all'), Type.Literal('mentions'), Type.Literal('none')]);
export type NotifyLevel = Static<typeof NotifyLevel>;

export const Notice = Type.Object({
  id: Id,
  roomId: Id,
  authorId: Id,
  body: Type.String(),
  createdAt: Timestamp,
});
export type Notice = Static<typeof Notice>;

export const Announcement = Type.Object({
  id: Id,
  authorId: Id,
  body: Type.String(),
  createdAt: Timestamp,
});
export type Announcement = Static<typeof Announcement>;

/** One member's standing in a room; read counts are derived from these pointers. */
export const Member = Type.Object({
  userId: Id,
  role: Role,
  /** Room seq when the member joined; messages at or below it are not theirs to read. */
  joinedSeq: Seq,
  /** Highest seq this member has read; only moves forward. */
  lastReadSeq: Seq,
});
export type Member = Static<typeof Member>;

/** A room as one member sees it: shared fields plus that member's own read state. */
export const Room = Type.Object({
  id: Id,
  kind: RoomKind,
  /** For direct rooms, the other member's display name as seen by the viewer. */
  name: Type.String(),
  avatarUrl: Type.Union([Type.String(), Type.Null()]),
  createdAt: Timestamp,
  lastSeq: Seq,
  memberCount: Type.Integer({ minimum: 0 }),
  /** The viewer's role. */
  role: Role,
  /** The viewer's read pointer. */
  lastReadSeq: Seq,
  /** `lastSeq - lastReadSeq`: what the viewer has not read yet. */
  unreadCount: Type.Integer({ minimum: 0 }),
  lastMessage: Type.Union([Message, Type.Null()]),
  notice: Type.Union([Notice, Type.Null()]),
  /** For direct rooms, the other member's id. */
  peerId: Type.Union([Id, Type.Null()]),
  /** Group rooms: set by owners and admins; null when unset. */
  description: Type.Union([Type.String(), Type.Null()]),
  /** Pinned messages, newest pin first (at most `Limits.maxPinsPerRoom`). */
  pins: Type.Array(Pin),
  /** The viewer's notification level for this room. */
  notify: NotifyLevel,
  /** The viewer has muted the room until then (only mentions notify meanwhile); null when not muted. */
  muteUntil: Type.Union([Timestamp, Type.Null()]),
  /** Unread messages that mention the viewer (by name or `@all`); cleared by reading past them. */
  mentionCount: Type.Integer({ minimum: 0 }),
  /** Seqs of the newest unread mentions, ascending, at most `Limits.maxMentionSeqs`. */
  mentionSeqs: Type.Array(Seq),
});
export type Room = Static<typeof Room>;

export const Presence = Type.Object({
  userId: Id,
  online: Type.Boolean(),
  lastSeenAt: Type.Union([Timestamp, Type.Null()]),
});
export type Presence = Static<typeof Presence>;

export const RoomReaders = Type.Object({
  roomId: Id,
  members: Type.Array(Member),
});
export type RoomReaders = Static<typeof RoomReaders>;

export const MessageBody = ClientText({ minLength: 1, maxLength: Limits.maxMessageChars });
export const ClientMsgId = ClientText({ minLength: 1, maxLength: Limits.maxClientMsgIdChars });

/** One emoji grapheme (validated by the server with `isSingleEmoji`). */
export const Emoji = ClientText({ minLength: 1, maxLength: Limits.maxEmojiChars });
export const RoomDescription = ClientText({ maxLength: Limits.maxRoomDescriptionChars });

/** A search hit: `text` is a snippet of the body, `ranges` the matched parts in UTF-16 offsets into `text`. */
export const Highlight = Type.Object({
  text: Type.String(),
  ranges: Type.Array(Type.Object({ start: Type.Integer({ minimum: 0 }), end: Type.Integer({ minimum: 0 }) })),
});
export type Highlight = Static<typeof Highlight>;
export const SearchResult = Type.Object({ message: Message, highlight: Highlight });
export type SearchResult = Static<typeof SearchResult>;
/** A time given by a client: ISO-8601 with a zone (`2030-01-01T09:00:00Z`, `…+09:00`). */
export const ClientTimestamp = Type.String({
  maxLength: 40,
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2})$',
});
export const SearchQueryText = ClientText({ maxLength: Limits.maxSearchQueryChars });
/** Opaque paging cursor: pass a reply's `nextBefore` as `before` for the next (older) page. */
export const SearchCursor = Type.String({ minLength: 1, maxLength: 32, pattern: '^[0-9]+$' });
