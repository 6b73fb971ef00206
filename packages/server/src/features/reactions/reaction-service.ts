import { Limits, type Message, type MessageReactions, type OpReply } from '@chatchat/protocol';
import type { Store } from '../../ports/store.js';
import type { Clock } from '../../ports/clock.js';
import type { EventPublisher } from '../../realtime/event-publisher.js';
import { invalid, notFound } from '../../errors.js';
import { createCoalescer } from '../receipts/read-coalescer.js';
import type { RoomService } from '../rooms/room-service.js';
import { isSingleEmoji } from './emoji.js';

export interface ReactionServiceOptions {
  store: Store;
  clock: Clock;
  events: EventPublisher;
  rooms: RoomService;
  coalesceMs: number;
  onPublishError?: (err: unknown) => void;
}

export type ReactionService = ReturnType<typeof createReactionService>;

type Change = { roomId: string; userId: string; emoji: string; on: boolean };

/**
 * Reactions: one row per user and emoji. Changes to one message are coalesced for a short window;
 * the flush reads the counts then, so one frame carries the counts after every change in it.
 */
export function createReactionService({ store, clock, events, rooms, coalesceMs, onPublishError }: ReactionServiceOptions) {
  const coalescer = createCoalescer<Change>({
    windowMs: coalesceMs,
    publish: (messageId, items) => {
      const changes = [...items.values()];
      const roomId = changes[0]!.roomId;
      void (async () => {
        const [counts] = await store.reactionCounts(roomId, [messageId], null);
        await events.toRoom(roomId, 'reaction.updated', {
          roomId,
          messageId,
          reactions: (counts?.reactions ?? []).map(({ emoji, count }) => ({ emoji, count })),
          changes: changes.map(({ userId, emoji, on }) => ({ userId, emoji, on })),
        });
      })().catch((err) => onPublishError?.(err));
    },
  });

  /** A live message of a room the user is a current member of; anything else does not exist for them. */
  async function visibleMessage(userId: string, messageId: string): Promise<Message> {
    const message = await store.getMessage(messageId);
    if (!message || message.deletedAt || !(await store.getMember(message.roomId, userId))) throw notFound('message');
    return message;
  }

  async function countsFor(message: Message, userId: string) {
    const [counts] = await store.reactionCounts(message.roomId, [message.id], userId);
    return { roomId: message.roomId, messageId: message.id, reactions: counts?.reactions ?? [] };
  }

  return {
    async add(userId: string, messageId: string, emoji: string): Promise<OpReply<'reaction.add'>> {
      if (!isSingleEmoji(emoji)) throw invalid('emoji must be a single emoji');
      const message = await visibleMessage(userId, messageId);
      const result = await store.addReaction({
        roomId: message.roomId,
        messageId,
        userId,
        emoji,
        now: clock.nowIso(),
        maxDistinct: Limits.maxReactionsPerMessage,
      });
      if (result === 'full') throw invalid(`a message holds at most ${Limits.maxReactionsPerMessage} different reactions`);
      if (result === 'added') coalescer.add(messageId, `${userId}\u0000${emoji}`, { roomId: message.roomId, userId, emoji, on: true });
      return countsFor(message, userId);
    },

    async remove(userId: string, messageId: string, emoji: string): Promise<OpReply<'reaction.remove'>> {
      if (!isSingleEmoji(emoji)) throw invalid('emoji must be a single emoji');
      const message = await visibleMessage(userId, messageId);
      if (await store.removeReaction(messageId, userId, emoji)) {
        coalescer.add(messageId, `${userId}\u0000${emoji}`, { roomId: message.roomId, userId, emoji, on: false });
      }
      return countsFor(message, userId);
    },

    async who(userId: string, messageId: string): Promise<OpReply<'reaction.list'>> {
      const message = await visibleMessage(userId, messageId);
      return { roomId: message.roomId, messageId, reactions: await store.reactionUsers(messageId) };
    },

    async counts(userId: string, roomId: string, messageIds: readonly string[]): Promise<MessageReactions[]> {
      await rooms.requireMember(roomId, userId);
      return store.reactionCounts(roomId, messageIds, userId);
    },

    close: () => coalescer.close(),
  };
}
