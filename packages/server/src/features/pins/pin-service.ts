import { Limits, type Message, type OpReply } from '@chatchat/protocol';
import type { Store } from '../../ports/store.js';
import type { Clock } from '../../ports/clock.js';
import type { EventPublisher } from '../../realtime/event-publisher.js';
import { AppError, forbidden, invalid, notFound } from '../../errors.js';
import { can } from '../rooms/permissions.js';

export type PinService = ReturnType<typeof createPinService>;

/** Pinned messages: owners and admins of a group (either person in a direct room); live to the room. */
export function createPinService({ store, clock, events }: { store: Store; clock: Clock; events: EventPublisher }) {
  async function pinnable(userId: string, messageId: string): Promise<Message> {
    const message = await store.getMessage(messageId);
    const member = message && !message.deletedAt ? await store.getMember(message.roomId, userId) : undefined;
    if (!message || !member) throw notFound('message');
    const room = await store.getRoom(message.roomId);
    if (room?.kind !== 'direct' && !can(member.role, 'pin')) throw forbidden(`your role (${member.role}) may not pin in this room`);
    return message;
  }

  return {
    async add(userId: string, messageId: string): Promise<OpReply<'pin.add'>> {
      const message = await pinnable(userId, messageId);
      const result = await store.addPin({
        roomId: message.roomId,
        messageId,
        seq: message.seq,
        userId,
        now: clock.nowIso(),
        max: Limits.maxPinsPerRoom,
      });
      if (result.status === 'exists') throw new AppError('conflict', 'message is already pinned');
      if (result.status === 'full') throw invalid(`a room holds at most ${Limits.maxPinsPerRoom} pins`);
      await events.toRoom(message.roomId, 'pin.added', { roomId: message.roomId, pin: result.pin });
      return { roomId: message.roomId, pin: result.pin };
    },

    async remove(userId: string, messageId: string): Promise<OpReply<'pin.remove'>> {
      const message = await pinnable(userId, messageId);
      if (!(await store.removePin(message.roomId, messageId))) throw notFound('pin');
      await events.toRoom(message.roomId, 'pin.removed', { roomId: message.roomId, messageId, byUserId: userId });
      return { roomId: message.roomId, messageId };
    },

    /** A deleted message leaves the pin list. */
    async messageDeleted(message: Message, byUserId: string): Promise<void> {
      if (await store.removePin(message.roomId, message.id)) {
        await events.toRoom(message.roomId, 'pin.removed', { roomId: message.roomId, messageId: message.id, byUserId });
      }
    },
  };
}
