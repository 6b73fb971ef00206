import type { NotifyLevel } from '@chatchat/protocol';
import type { RoomExtras } from '../../../ports/conversation-store.js';
import type { RoomExtrasStore } from '../room-extras-store.js';
import { usernameKey } from '../user-store.js';
import { inChunks } from '../in-chunks.js';
import { type Collections, memberId } from './mongo-documents.js';

/**
 * Mentions, per-room settings and (empty, until pins exist on this store) pins. Mention
 * counts follow the SQL stores' rule: mentions of me or `@all` above my read pointer and my
 * join, in messages not deleted and not my own.
 */
export function createMongoRoomExtrasStore(c: Collections): RoomExtrasStore {
  return {
    async resolveMentionedMembers(roomId, usernames) {
      const keys = [...new Set(usernames.map(usernameKey))];
      if (keys.length === 0) return [];
      const users = await inChunks(keys, (part) => c.users.find({ usernameKey: { $in: part } }, { projection: { _id: 1 } }).toArray());
      const ids = users.map((u) => u._id);
      const members = await inChunks(ids, (part) =>
        c.members.find({ _id: { $in: part.map((id) => memberId(roomId, id)) }, leftAt: null }, { projection: { userId: 1 } }).toArray(),
      );
      return members.map((m) => m.userId);
    },

    async setRoomSettings(roomId, userId, settings) {
      await c.members.updateOne(
        { _id: memberId(roomId, userId), leftAt: null },
        { $set: { notify: settings.notify, muteUntil: settings.muteUntil } },
      );
      return settings;
    },

    async roomExtras(userId, roomIds, mentionSeqLimit) {
      const out = new Map<string, RoomExtras>();
      const ids = [...new Set(roomIds)];
      const members = await inChunks(ids, (part) =>
        c.members.find({ _id: { $in: part.map((id) => memberId(id, userId)) }, leftAt: null }).toArray(),
      );
      // One query per chunk of rooms, not one per room: mentions are few, so they are fetched
      // above the lowest pointer of the chunk and each is kept only above its own room's.
      const floor = new Map(members.map((m) => [m.roomId, Math.max(m.lastReadSeq, m.joinedSeq)]));
      const mentioned = await inChunks(members, (part) =>
        c.messages
          .find(
            {
              roomId: { $in: part.map((m) => m.roomId) },
              seq: { $gt: Math.min(...part.map((m) => floor.get(m.roomId)!)) },
              deletedAt: null,
              senderId: { $ne: userId },
              $or: [{ mentions: userId }, { mentionsAll: true }],
            },
            { projection: { roomId: 1, seq: 1 } },
          )
          .sort({ roomId: 1, seq: -1 })
          .toArray(),
      );
      const seqsByRoom = new Map<string, number[]>();
      for (const d of mentioned) {
        if (d.seq <= floor.get(d.roomId)!) continue;
        const seqs = seqsByRoom.get(d.roomId) ?? [];
        seqs.push(d.seq);
        seqsByRoom.set(d.roomId, seqs);
      }
      for (const m of members) {
        const seqs = seqsByRoom.get(m.roomId) ?? [];
        out.set(m.roomId, {
          notify: (m.notify ?? 'all') as NotifyLevel,
          muteUntil: m.muteUntil ?? null,
          mentionCount: seqs.length,
          mentionSeqs: seqs.slice(0, mentionSeqLimit).sort((a, b) => a - b),
          pins: [],
        });
      }
      return out;
    },
  };
}
