import { Limits } from './limits.js';

/**
 * Storing a message moves its sender's read pointer up to it: nobody has unread messages
 * of their own. The server's store applies this in the same transaction as the insert (the
 * store contract suite specifies it); clients apply this function to acknowledgements and
 * live events instead of deriving the rule again.
 */
export function readSeqAfterMessage(
  reader: { readonly userId: string; readonly lastReadSeq: number },
  message: { readonly senderId: string; readonly seq: number },
): number {
  return reader.userId === message.senderId ? Math.max(reader.lastReadSeq, message.seq) : reader.lastReadSeq;
}

/** The longest a client holds back a room's next pointer move. */
const maxReadSpacingMs = 10_000;

/**
 * How long after a room's last `room.read` went out a client may send its next pointer move
 * (the newest it has by then). None in rooms of up to `Limits.snapshotReadersPerRoom` members; in bigger ones it grows
 * with the room, so a room where everyone reads costs the server about as many reads per second
 * as a room of 100 (each read is a store write and a reply; at one per member per message, a
 * room of 5,000 would ask 100,000 a second). The client's own count moves at once either way,
 * and the server's coalescing window stretches by the same measure.
 */
export function readSpacingMs(memberCount: number): number {
  if (memberCount <= Limits.snapshotReadersPerRoom) return 0;
  return Math.min(maxReadSpacingMs, Math.round((Limits.readCoalesceMs * memberCount) / Limits.snapshotReadersPerRoom));
}
