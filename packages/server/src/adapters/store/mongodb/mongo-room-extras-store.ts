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
      for (const m of members) {
        const mentioned = await c.messages
          .find(
            {
              roomId: m.roomId,
              seq: { $gt: Math.max(m.lastReadSeq, m.joinedSeq) },
              deletedAt: null,
              senderId: { $ne: userId },
              $or: [{ mentions: userId }, { mentionsAll: true }],
            },
            { projection: { seq: 1 } },
          )
          .sort({ seq: -1 })
          .toArray();
        out.set(m.roomId, {
          notify: (m.notify ?? 'all') as NotifyLevel,
          muteUntil: m.muteUntil ?? null,
          mentionCount: mentioned.length,
          mentionSeqs: mentioned
            .slice(0, mentionSeqLimit)
            .map((d) => d.seq)
            .sort((a, b) => a - b),
          pins: [],
        });
      }
      return out;
    },
  };
}
