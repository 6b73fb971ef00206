import { Limits, type Message, type MessageReactions, type ReplyQuote } from '@chatchat/protocol';
import type { Store } from '../../ports/store.js';
import type { Clock } from '../../ports/clock.js';
import type { EventPublisher } from '../../realtime/event-publisher.js';
import { AppError, forbidden, invalid, notFound } from '../../errors.js';
import type { RoomService } from '../rooms/room-service.js';
import { can } from '../rooms/permissions.js';
import type { AttachmentService } from '../attachments/attachment-service.js';
import type { MentionResolver } from '../mentions/mention-resolver.js';
import { requireMembership } from '../rooms/require-membership.js';

export interface MessageServiceOptions {
  store: Store;
  clock: Clock;
  events: EventPublisher;
  rooms: RoomService;
  /** Files on messages; without it a send with attachments is refused. */
  attachments?: AttachmentService;
  mentions: MentionResolver;
  /** Told after a message was deleted (its pin goes). */
  onDeleted?: (message: Message, byUserId: string) => Promise<void>;
  /** Called with the time from receiving a send to its commit, for the latency histogram. */
  onCommitted?: (ms: number) => void;
}

export type MessageService = ReturnType<typeof createMessageService>;

function checkBody(body: string): string {
  if (body.trim().length === 0) throw invalid('message body is empty');
  if (body.length > Limits.maxMessageChars) throw invalid(`message body is over ${Limits.maxMessageChars} characters`);
  return body;
}

/** The first characters of a message for a reply's quote, never cutting a surrogate pair. */
function excerptOf(body: string): string {
  const chars = Array.from(body);
  return chars.length <= Limits.replyExcerptChars ? body : chars.slice(0, Limits.replyExcerptChars).join('');
}

export function createMessageService({
  store,
  clock,
  events,
  rooms,
  attachments,
  mentions,
  onDeleted,
  onCommitted,
}: MessageServiceOptions) {
  /** The quote of `replyTo`, which must be a live message of the same room that the sender can see. */
  async function quoteFor(senderId: string, roomId: string, replyTo: string): Promise<ReplyQuote> {
    const original = await store.getMessage(replyTo);
    if (!original || original.deletedAt) throw notFound('message');
    if (original.roomId !== roomId) {
      // Only someone who can see the other room learns that it is another room's message.
      if (await store.getMember(original.roomId, senderId)) throw invalid('replyTo must be a message of the same room');
      throw notFound('message');
    }
    return {
      messageId: original.id,
      seq: original.seq,
      senderId: original.senderId,
      excerpt: excerptOf(original.body),
      deleted: false,
      edited: false,
    };
  }

  async function ownMessage(userId: string, messageId: string, allowModerators: boolean): Promise<Message> {
    const message = await store.getMessage(messageId);
    if (!message || message.deletedAt) throw notFound('message');
    // A message in a room you are not in does not exist for you.
    const { member, room } = await requireMembership(store, message.roomId, userId).catch(() => {
      throw notFound('message');
    });
    const moderates = allowModerators && room.kind === 'group' && can(member.role, 'moderateMessages');
    if (message.senderId !== userId && !moderates) throw forbidden('not your message');
    return message;
  }

  return {
    /**
     * Stored (with its seq) and committed, then published, then returned for the ack:
     * an acknowledged message is durable. A retry with the same clientMsgId returns the
     * stored message and publishes nothing new.
     */
    async send(
      senderId: string,
      input: { roomId: string; body?: string; clientMsgId: string; attachments?: string[]; replyTo?: string },
    ): Promise<Message> {
      const started = performance.now();
      const uploadIds = input.attachments ?? [];
      const body = input.body ?? '';
      // A message is its text, its files, or both.
      if (uploadIds.length === 0 || body !== '') checkBody(body);
      if (uploadIds.length > 0 && !attachments) throw invalid('attachments are not enabled');
      const replyTo = input.replyTo !== undefined ? await quoteFor(senderId, input.roomId, input.replyTo) : null;
      // Before the insert (the message is unread for the member who comes back) and before
      // mentions are resolved (they can be mentioned), but only once the input is known good.
      const returning = await rooms.restoreDirectPeer(input.roomId, senderId);
      const mentioned = await mentions.resolve(input.roomId, senderId, body);
      if (uploadIds.length > 0) await attachments!.claimForSend(senderId, input.roomId, uploadIds, input.clientMsgId);
      let stored;
      try {
        // Membership is checked by the store in the insert transaction itself.
        stored = await store.insertMessage({
          roomId: input.roomId,
          senderId,
          kind: body === '' ? 'file' : 'text',
          body,
          clientMsgId: input.clientMsgId,
          now: clock.nowIso(),
          replyTo,
          ...mentioned,
        });
      } catch (err) {
        if (uploadIds.length > 0) await attachments!.releaseSend(senderId, input.clientMsgId);
        throw err;
      }
      let { message } = stored;
      const { duplicate } = stored;
      if (message.roomId !== input.roomId) throw new AppError('conflict', 'clientMsgId already used for another room');
      if (uploadIds.length > 0) message = await attachments!.linkToMessage(senderId, input.clientMsgId, message, uploadIds);
      onCommitted?.(performance.now() - started);
      if (returning) await returning();
      if (!duplicate) await events.toRoom(message.roomId, 'message.created', { message });
      return message;
    },

    async edit(userId: string, messageId: string, body: string): Promise<Message> {
      checkBody(body);
      const original = await ownMessage(userId, messageId, false);
      if (original.kind !== 'text') throw invalid('only text messages can be edited');
      const message = await store.updateMessageBody(messageId, body, clock.nowIso());
      await events.toRoom(message.roomId, 'message.updated', { message });
      return message;
    },

    async remove(userId: string, messageId: string): Promise<Message> {
      await ownMessage(userId, messageId, true);
      let message = await store.markMessageDeleted(messageId, clock.nowIso());
      if (attachments) message = await attachments.onMessageDeleted(message);
      await events.toRoom(message.roomId, 'message.deleted', { message });
      await onDeleted?.(message, userId);
      return message;
    },

    /** A page of history with the reaction counts of its messages, as `userId` sees them. */
    async history(
      userId: string,
      roomId: string,
      page: { afterSeq?: number; beforeSeq?: number; limit?: number },
    ): Promise<{ messages: Message[]; reactions: MessageReactions[] }> {
      await rooms.requireMember(roomId, userId);
      if (page.afterSeq !== undefined && page.beforeSeq !== undefined && page.beforeSeq <= page.afterSeq + 1)
        return { messages: [], reactions: [] };
      const messages = await store.listMessages(roomId, { ...page, limit: Math.min(page.limit ?? 50, Limits.maxHistoryPage) });
      const live = messages.filter((m) => !m.deletedAt).map((m) => m.id);
      const reactions = live.length ? await store.reactionCounts(roomId, live, userId) : [];
      return { messages, reactions };
    },
  };
}
