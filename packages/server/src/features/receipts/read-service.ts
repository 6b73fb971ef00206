import type { OpReply } from '@chatchat/protocol';
import type { Store } from '../../ports/store.js';
import type { EventPublisher } from '../../realtime/event-publisher.js';
import { invalid } from '../../errors.js';
import { requireMembership } from '../rooms/require-membership.js';
import { createReadCoalescer } from './read-coalescer.js';

export interface ReadServiceOptions {
  store: Store;
  events: EventPublisher;
  coalesceMs: number;
  /** Pointers per window before a room's next window stretches (see read-coalescer.ts). */
  readersPerWindow: number;
  onPublishError?: (err: unknown) => void;
}

export type ReadService = ReturnType<typeof createReadService>;

export function createReadService({ store, events, coalesceMs, readersPerWindow, onPublishError }: ReadServiceOptions) {
  const coalescer = createReadCoalescer({
    windowMs: coalesceMs,
    readersPerWindow,
    publish: (roomId, reads) => {
      events.toRoom(roomId, 'room.read', { roomId, reads }).catch((err) => onPublishError?.(err));
    },
  });

  return {
    /** Moves the reader's pointer forward (never back) and tells the room, coalesced. */
    async markRead(userId: string, roomId: string, seq: number): Promise<OpReply<'room.read'>> {
      const { member, room } = await requireMembership(store, roomId, userId);
      if (seq > room.lastSeq) throw invalid(`seq ${seq} is beyond the room's last seq ${room.lastSeq}`);
      const lastReadSeq = seq > member.lastReadSeq ? await store.advanceReadPointer(roomId, userId, seq) : member.lastReadSeq;
      if (lastReadSeq > member.lastReadSeq) {
        // A stretched window can be seconds long; the reader's other devices must not wait for it
        // (their unread counts follow this pointer), so they get it at once.
        if (coalescer.isStretched(roomId)) {
          events.toUser(userId, 'room.read', { roomId, reads: [{ userId, seq: lastReadSeq }] }).catch((err) => onPublishError?.(err));
        }
        coalescer.add(roomId, userId, lastReadSeq);
      }
      return { roomId, lastReadSeq, unreadCount: Math.max(0, room.lastSeq - lastReadSeq) };
    },
    close: () => coalescer.close(),
  };
}
