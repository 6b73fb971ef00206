import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Announcement, Id, Member, Message, NotifyLevel, Notice, Pin, Presence, Room, Seq, Timestamp, User } from './entities.js';

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
  /** Shared room fields changed (name, avatar, description). */
  'room.updated': Type.Object({
    roomId: Id,
    name: Type.String(),
    avatarUrl: Type.Union([Type.String(), Type.Null()]),
    description: Type.Union([Type.String(), Type.Null()]),
  }),
  /** To my own devices: my notification settings of a room changed. */
  'room.settings': Type.Object({ roomId: Id, notify: NotifyLevel, muteUntil: Type.Union([Timestamp, Type.Null()]) }),
  /**
   * Reactions of one message changed, gathered over `Limits.reactionCoalesceMs`. One frame for
   * the whole room, so it carries no `me`: `reactions` are the counts after the window, `changes`
   * who added (`on`) or removed what in it; a client keeps `me` per emoji from its own changes.
   */
  'reaction.updated': Type.Object({
    roomId: Id,
    messageId: Id,
    reactions: Type.Array(Type.Object({ emoji: Type.String(), count: Type.Integer({ minimum: 1 }) })),
    changes: Type.Array(Type.Object({ userId: Id, emoji: Type.String(), on: Type.Boolean() })),
  }),
  'pin.added': Type.Object({ roomId: Id, pin: Pin }),
  'pin.removed': Type.Object({ roomId: Id, messageId: Id, byUserId: Id }),
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
