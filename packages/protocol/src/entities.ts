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
  Type.Literal('thumb320'), Type.Literal('thumb1280'), Type.Literal('avatar64'), Type.Literal('avatar256'),
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
});
export type Message = Static<typeof Message>;

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
