import type { Message } from '@chatchat/protocol';
import type { MessageRow, SendStatements } from '../group-commit-writer.js';
import { inChunks } from '../in-chunks.js';
import { isDuplicateKey, memberId, sendKey, toMessage, type Collections, type MessageDoc } from './mongo-documents.js';

/** The room's highest seq: the larger of the hint and the highest stored message. */
export async function currentLastSeq(c: Collections, roomId: string): Promise<number> {
  const [room, top] = await Promise.all([
    c.rooms.findOne({ _id: roomId }, { projection: { lastSeq: 1 } }),
    c.messages.find({ roomId }, { projection: { seq: 1 } }).sort({ seq: -1 }).limit(1).next(),
  ]);
  return Math.max(room?.lastSeq ?? 0, top?.seq ?? 0);
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
});

/** Index of the first failed document of an ordered insertMany and whether it was a duplicate key. */
function firstWriteError(err: unknown): { index: number; duplicate: boolean } | undefined {
  const raw = (err as { writeErrors?: unknown } | null)?.writeErrors;
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const first = list[0] as { index?: number; code?: number } | undefined;
  if (!first || typeof first.index !== 'number') return undefined;
  return { index: first.index, duplicate: first.code === 11000 };
}

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
    while (rest.length > 0) {
      const base = await currentLastSeq(c, roomId);
      const docs = rest.map((row, i) => toDoc(row, base + 1 + i));
      try {
        await c.messages.insertMany(docs, { ordered: true });
        written.push(...docs);
        break;
      } catch (err) {
        const failed = firstWriteError(err);
        if (!failed?.duplicate) throw err;
        written.push(...docs.slice(0, failed.index));
        const doc = docs[failed.index]!;
        // Which unique index tripped: a twin of this send stored meanwhile, or its seq taken.
        const twin = await c.messages.findOne({ sendKey: doc.sendKey });
        rest = rest.slice(failed.index + (twin ? 1 : 0));
        if (twin?._id === doc._id) written.push(twin);
      }
    }
    if (written.length > 0) {
      const top = written.reduce((a, d) => Math.max(a, d.seq), 0);
      const bySender = new Map<string, number>();
      for (const d of written) bySender.set(d.senderId, Math.max(bySender.get(d.senderId) ?? 0, d.seq));
      await Promise.all([
        c.rooms.updateOne({ _id: roomId }, { $max: { lastSeq: top } }),
        ...[...bySender].map(([senderId, seq]) =>
          c.members.updateOne({ _id: memberId(roomId, senderId), leftAt: null }, { $max: { lastReadSeq: seq } }),
        ),
      ]);
    }
    return written;
  }

  return {
    async insert(rows) {
      const keys = rows.map(sendKey);
      const [stored, members] = await Promise.all([
        inChunks(keys, (part) => c.messages.find({ sendKey: { $in: part } }).toArray()),
        inChunks([...new Set(rows.map((r) => memberId(r.roomId, r.senderId)))], (part) =>
          c.members.find({ _id: { $in: part }, leftAt: null }, { projection: { _id: 1 } }).toArray(),
        ),
      ]);
      const storedByKey = new Map(stored.map((d) => [d.sendKey, d]));
      const allowed = new Set(members.map((m) => m._id));
      const written: Message[] = [];
      const byRoom = new Map<string, MessageRow[]>();
      for (const row of rows) {
        const prior = storedByKey.get(sendKey(row));
        // The same id stored: an earlier attempt of this very call got through.
        if (prior) {
          if (prior._id === row.id) written.push(toMessage(prior));
          continue;
        }
        if (!allowed.has(memberId(row.roomId, row.senderId))) continue;
        const list = byRoom.get(row.roomId) ?? [];
        list.push(row);
        byRoom.set(row.roomId, list);
      }
      const perRoom = await Promise.all([...byRoom.values()].map(insertRoom));
      for (const docs of perRoom) written.push(...docs.map(toMessage));
      return written;
    },

    async findSent(keys) {
      const wanted = keys.map((k) => sendKey({ ...k, id: '' }));
      const docs = await inChunks(wanted, (part) => c.messages.find({ sendKey: { $in: part } }).toArray());
      return docs.map(toMessage);
    },

    explain: (err) => (isDuplicateKey(err) ? 'duplicate' : undefined),
  };
}
