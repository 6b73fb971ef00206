import type { NotifyLevel, Pin } from '@chatchat/protocol';
import { notFound } from '../../../errors.js';
import type { RoomExtras } from '../../../ports/conversation-store.js';
import type { RoomExtrasStore } from '../room-extras-store.js';
import { usernameKey } from '../user-store.js';
import { inChunks } from '../in-chunks.js';
import { type Collections, type MemberDoc, findByIds, memberId, toMessage } from './mongo-documents.js';

/** Rooms per mentions query: each is one `$or` branch (an index range on MongoDB). */
const ROOMS_PER_QUERY = 200;

/**
 * Mentions, per-room settings and pins. Mention counts follow the SQL stores' rule: mentions
 * of me or `@all` above my read pointer and my join, in messages not deleted and not my own.
 */
export function createMongoRoomExtrasStore(c: Collections): RoomExtrasStore {
  /** Unread mention seqs of each member row's room, newest first: one query per chunk of rooms. */
  async function mentionSeqs(userId: string, members: MemberDoc[]): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    const chunks = await inChunks(
      members,
      async (part) => [
        await c.messages
          .find(
            {
              $or: part.map((m) => ({ roomId: m.roomId, seq: { $gt: Math.max(m.lastReadSeq, m.joinedSeq) } })),
              $and: [{ $or: [{ mentions: userId }, { mentionsAll: true }] }],
              deletedAt: null,
              senderId: { $ne: userId },
            },
            { projection: { roomId: 1, seq: 1 } },
          )
          .sort({ roomId: 1, seq: -1 })
          .toArray(),
      ],
      Math.ceil(10_000 / ROOMS_PER_QUERY),
    );
    for (const d of chunks.flat()) out.set(d.roomId, [...(out.get(d.roomId) ?? []), d.seq]);
    for (const seqs of out.values()) seqs.sort((a, b) => b - a);
    return out;
  }

  /** Pins of the rooms, newest first, leaving out those of deleted messages. */
  async function pinsOf(roomIds: string[]): Promise<Map<string, Pin[]>> {
    const pins = await inChunks(roomIds, (part) => c.pins.find({ roomId: { $in: part } }).toArray());
    const messages = new Map(
      (await inChunks([...new Set(pins.map((p) => p.messageId))], (part) => c.messages.find({ _id: { $in: part } }).toArray())).map((m) => [
        m._id,
        m,
      ]),
    );
    pins.sort((a, b) => (a.pinnedAt > b.pinnedAt ? -1 : a.pinnedAt < b.pinnedAt ? 1 : a.messageId < b.messageId ? -1 : 1));
    const out = new Map<string, Pin[]>();
    for (const p of pins) {
      const m = messages.get(p.messageId);
      if (!m || m.deletedAt !== null) continue;
      const pin: Pin = { messageId: p.messageId, seq: p.seq, pinnedBy: p.pinnedBy, pinnedAt: p.pinnedAt, message: toMessage(m) };
      out.set(p.roomId, [...(out.get(p.roomId) ?? []), pin]);
    }
    return out;
  }

  return {
    async resolveMentionedMembers(roomId, usernames) {
      const keys = [...new Set(usernames.map(usernameKey))];
      if (keys.length === 0) return [];
      const users = await inChunks(keys, (part) => c.users.find({ usernameKey: { $in: part } }, { projection: { _id: 1 } }).toArray());
      const ids = users.map((u) => u._id);
      const members = await findByIds(
        c.members,
        ids.map((id) => memberId(roomId, id)),
      );
      return members.filter((m) => m.leftAt === null).map((m) => m.userId);
    },

    async setRoomSettings(roomId, userId, settings) {
      const _id = memberId(roomId, userId);
      if ((await c.members.findOne({ _id }))?.leftAt !== null) throw notFound('member');
      await c.members.updateOne({ _id }, { $set: { notify: settings.notify, muteUntil: settings.muteUntil } });
      return settings;
    },

    async roomExtras(userId, roomIds, mentionSeqLimit) {
      const out = new Map<string, RoomExtras>();
      const ids = [...new Set(roomIds)];
      const members = (
        await findByIds(
          c.members,
          ids.map((id) => memberId(id, userId)),
        )
      ).filter((m) => m.leftAt === null);
      if (members.length === 0) return out;
      const [mentions, pins] = await Promise.all([mentionSeqs(userId, members), pinsOf(members.map((m) => m.roomId))]);
      for (const m of members) {
        const seqs = mentions.get(m.roomId) ?? [];
        out.set(m.roomId, {
          notify: (m.notify ?? 'all') as NotifyLevel,
          muteUntil: m.muteUntil ?? null,
          mentionCount: seqs.length,
          mentionSeqs: seqs.slice(0, Math.max(0, mentionSeqLimit)).sort((a, b) => a - b),
          pins: pins.get(m.roomId) ?? [],
        });
      }
      return out;
    },
  };
}
