import type { MessageRow, SendStatements } from '../group-commit-writer.js';
import { inChunks } from '../in-chunks.js';
import { searchPosition, searchTerms } from './mongo-search-store.js';
import {
  firstWriteError,
  isDuplicateKey,
  memberId,
  raiseTo,
  sendKey,
  toMessage,
  type Collections,
  type MessageDoc,
} from './mongo-documents.js';

/**
 * The room's last seq as its hint says: moved before any send is acknowledged, so only a
 * crash between a message insert and the hint's `$max` leaves it behind, and the next
 * send's seq claim corrects it (see `highestStoredSeq`). Read by `_id`, from the primary.
 */
export async function lastSeqHint(c: Collections, roomId: string): Promise<number> {
  const room = await c.rooms.findOne({ _id: roomId }, { projection: { lastSeq: 1 } });
  return room?.lastSeq ?? 0;
}

/** The truth behind the hint: the highest stored seq (a scan on FerretDB; used on conflict only). */
async function highestStoredSeq(c: Collections, roomId: string): Promise<number> {
  const top = await c.messages
    .find({ roomId }, { projection: { seq: 1 } })
    .sort({ seq: -1 })
    .limit(1)
    .next();
  return Math.max(await lastSeqHint(c, roomId), top?.seq ?? 0);
}

const toDoc = (row: MessageRow, seq: number): MessageDoc => ({
  _id: row.id,
  roomId: row.roomId,
  seq,
  senderId: row.senderId,
  kind: row.kind,
  body: row.body,
  clientMsgId: row.clientMsgId,
  sendKey: sendKey(row),
  createdAt: row.now,
  editedAt: null,
  deletedAt: null,
  replyTo: row.replyTo ?? null,
  mentions: [...new Set(row.mentions ?? [])],
  mentionsAll: row.mentionsAll === true,
  terms: searchTerms(row.kind, row.body),
  searchPos: searchPosition(row.now, seq),
});

const INSERT_SLICE = 50;

/**
 * No transactions: each room's seq is claimed by inserting under the unique {roomId, seq}
 * index. A writer numbers its rows from the room's current highest seq; a racing writer's
 * insert of the same seq fails with 11000 and is numbered again from the new highest. An
 * ordered insert stops at its first failure, so a seq is written only when the one before
 * it exists, and messages are never hard-deleted: the seq stays gap-free.
 */
export function createMongoSendStatements(c: Collections): SendStatements {
  async function insertRoom(rows: MessageRow[]): Promise<MessageDoc[]> {
    const roomId = rows[0]!.roomId;
    const written: MessageDoc[] = [];
    let rest = rows;
    let conflicted = false;
    let after: number | undefined;
    while (rest.length > 0) {
      // The hint is right but for a racing writer or a crash; after a conflict, ask the index.
      const base: number = after ?? (conflicted ? await highestStoredSeq(c, roomId) : await lastSeqHint(c, roomId));
      // At most 50 per insert: FerretDB runs an ordered insert in internal chunks of 100
      // and, after a failure in one, goes on with the next (measured here), which would
      // store later rows above a hole.
      const docs: MessageDoc[] = rest.slice(0, INSERT_SLICE).map((row, i) => toDoc(row, base + 1 + i));
      try {
        await c.messages.insertMany(docs, { ordered: true });
        written.push(...docs);
        rest = rest.slice(docs.length);
        after = docs[docs.length - 1]!.seq;
        continue;
      } catch (err) {
        const failed = firstWriteError(err);
        if (!failed?.duplicate) throw err;
        after = undefined;
        written.push(...docs.slice(0, failed.index));
        const doc: MessageDoc = docs[failed.index]!;
        // Which unique index tripped: a twin of this send stored meanwhile, or its seq taken.
        const twin: MessageDoc | null = await c.messages.findOne({ sendKey: doc.sendKey });
        conflicted = !twin;
        rest = rest.slice(failed.index + (twin ? 1 : 0));
        if (twin?._id === doc._id) written.push(twin);
      }
    }
    if (written.length > 0) {
      const top = written.reduce((a, d) => Math.max(a, d.seq), 0);
      const bySender = new Map<string, number>();
      for (const d of written) bySender.set(d.senderId, Math.max(bySender.get(d.senderId) ?? 0, d.seq));
      await Promise.all([
        raiseTo(c.rooms, roomId, 'lastSeq', top),
        ...[...bySender].map(([senderId, seq]) => raiseTo(c.members, memberId(roomId, senderId), 'lastReadSeq', seq)),
      ]);
    }
    return written;
  }

  return {
    async insert(rows) {
      // Membership by `_id` lookups (FerretDB answers only those from an index). A stored
      // twin is not looked for here: its unique sendKey stops the insert, which then skips it.
      const pairs = [...new Set(rows.map((r) => memberId(r.roomId, r.senderId)))];
      const members = await Promise.all(pairs.map((id) => c.members.findOne({ _id: id }, { projection: { leftAt: 1 } })));
      const allowed = new Set(members.flatMap((m) => (m && m.leftAt === null ? [m._id] : [])));
      const byRoom = new Map<string, MessageRow[]>();
      for (const row of rows) {
        if (!allowed.has(memberId(row.roomId, row.senderId))) continue;
        const list = byRoom.get(row.roomId) ?? [];
        list.push(row);
        byRoom.set(row.roomId, list);
      }
      const perRoom = await Promise.all([...byRoom.values()].map(insertRoom));
      return perRoom.flat().map(toMessage);
    },

    async findSent(keys) {
      const wanted = keys.map((k) => sendKey({ ...k, id: '' }));
      const docs = await inChunks(wanted, (part) => c.messages.find({ sendKey: { $in: part } }).toArray());
      return docs.map(toMessage);
    },

    explain: (err) => (isDuplicateKey(err) ? 'duplicate' : undefined),
  };
}
