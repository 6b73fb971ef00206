import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Announcement, Id, Member, Message, Notice, Presence, Room, Seq, Timestamp, User } from './entities.js';

const LeaveReason = Type.Union([Type.Literal('left'), Type.Literal('kicked')]);

/** Every event the server pushes: `{ ev, data }`. */
export const Events = {
  'message.created': Type.Object({ message: Message }),
  'message.updated': Type.Object({ message: Message }),
  'message.deleted': Type.Object({ message: Message }),
  /** Reads of one room gathered over `Limits.readCoalesceMs`: the newest pointer per reader. */
  'room.read': Type.Object({
    roomId: Id,
    reads: Type.Array(Type.Object({ userId: Id, seq: Seq })),
  }),
  /** To the joining user's own devices: a room entered their list. */
  'room.added': Type.Object({ room: Room }),
  /** To the leaving user's own devices: a room left their list; nothing more arrives from it. */
  'room.removed': Type.Object({ roomId: Id, reason: LeaveReason }),
  /** Shared room fields changed (name, avatar). */
  'room.updated': Type.Object({
    roomId: Id,
    name: Type.String(),
    avatarUrl: Type.Union([Type.String(), Type.Null()]),
  }),
  'member.joined': Type.Object({ roomId: Id, members: Type.Array(Member), users: Type.Array(User), byUserId: Id }),
  'member.left': Type.Object({ roomId: Id, userId: Id, reason: LeaveReason, byUserId: Id }),
  'member.updated': Type.Object({ roomId: Id, member: Member, byUserId: Id }),
  'presence.updated': Presence,
  'user.updated': Type.Object({ user: User }),
  'notice.created': Type.Object({ notice: Notice }),
  'notice.removed': Type.Object({ roomId: Id, noticeId: Id }),
  'announcement.created': Type.Object({ announcement: Announcement }),
  typing: Type.Object({ roomId: Id, userId: Id, at: Timestamp }),
} satisfies Record<string, TSchema>;

export type EventName = keyof typeof Events;
export type EventData<K extends EventName> = Static<(typeof Events)[K]>;
export const eventNames = Object.keys(Events) as EventName[];
