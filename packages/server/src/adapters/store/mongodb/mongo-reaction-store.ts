import type { MessageReactions } from '@chatchat/protocol';
import type { ReactionStore } from '../reaction-store.js';
import { inChunks } from '../in-chunks.js';
import { type Collections, isDuplicateKey } from './mongo-documents.js';
import { holdsSlot, releaseSlot, takeSlot } from './mongo-slots.js';

export const reactionId = (messageId: string, userId: string, emoji: string) => `${messageId}:${userId}:${emoji}`;

/** Gives an emoji's slot back once no reaction of it is left (called after a removal). */
async function releaseIfUnused(c: Collections, messageId: string, emoji: string, slot: number) {
  if (await c.reactions.findOne({ messageId, emoji }, { projection: { _id: 1 } })) return;
  await releaseSlot(c.reactionSlots, messageId, slot, emoji);
  // A reaction of the emoji that got in between the look and the release takes the slot back.
  if (await c.reactions.findOne({ messageId, emoji }, { projection: { _id: 1 } })) {
    await takeSlot(c.reactionSlots, messageId, emoji, slot + 1);
  }
}

/**
 * Reactions, one document per (message, user, emoji) by `_id`. The distinct-emoji cap is a
 * capped set of slots per message (see `takeSlot`): an emoji takes a slot before its first
 * reaction is stored and gives it back after its last is removed.
 */
export function createMongoReactionStore(c: Collections): ReactionStore {
  return {
    async addReaction({ roomId, messageId, userId, emoji, now, maxDistinct }) {
      const _id = reactionId(messageId, userId, emoji);
      if (await c.reactions.findOne({ _id }, { projection: { _id: 1 } })) return 'exists';
      for (let attempt = 0; attempt < 5; attempt++) {
        const slot = await takeSlot(c.reactionSlots, messageId, emoji, maxDistinct);
        if (slot === undefined) return 'full';
        try {
          await c.reactions.insertOne({ _id, messageId, roomId, userId, emoji, slot, createdAt: now });
        } catch (err) {
          if (isDuplicateKey(err)) return 'exists';
          throw err;
        }
        // The emoji's last reaction may have been removed meanwhile, freeing the slot: take one again.
        if (await holdsSlot(c.reactionSlots, messageId, slot, emoji)) return 'added';
        await c.reactions.deleteOne({ _id });
      }
      return 'full';
    },

    async removeReaction(messageId, userId, emoji) {
      const _id = reactionId(messageId, userId, emoji);
      const d = await c.reactions.findOne({ _id });
      if (!d) return false;
      const res = await c.reactions.deleteOne({ _id });
      if (res.deletedCount === 0) return false;
      await releaseIfUnused(c, messageId, emoji, d.slot);
      return true;
    },

    async reactionCounts(roomId, messageIds, viewerId) {
      const docs = await inChunks([...new Set(messageIds)], (part) =>
        c.reactions
          .find({ messageId: { $in: part }, roomId }, { projection: { messageId: 1, emoji: 1, userId: 1, createdAt: 1 } })
          .sort({ createdAt: 1, _id: 1 })
          .toArray(),
      );
      // Grouped here rather than by $group: the order of first use needs $min, which FerretDB lacks.
      const byMessage = new Map<string, Map<string, { first: string; count: number; me: boolean }>>();
      for (const d of docs) {
        let emojis = byMessage.get(d.messageId);
        if (!emojis) byMessage.set(d.messageId, (emojis = new Map()));
        const e = emojis.get(d.emoji) ?? { first: d.createdAt, count: 0, me: false };
        e.count += 1;
        e.me ||= d.userId === viewerId;
        emojis.set(d.emoji, e);
      }
      const out: MessageReactions[] = [];
      for (const [messageId, emojis] of [...byMessage].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const reactions = [...emojis]
          .sort(([ea, a], [eb, b]) => (a.first < b.first ? -1 : a.first > b.first ? 1 : ea < eb ? -1 : ea > eb ? 1 : 0))
          .map(([emoji, e]) => ({ emoji, count: e.count, me: e.me }));
        out.push({ messageId, reactions });
      }
      return out;
    },

    async reactionUsers(messageId) {
      const docs = await c.reactions
        .find({ messageId }, { projection: { emoji: 1, userId: 1 } })
        .sort({ createdAt: 1, userId: 1 })
        .toArray();
      const out = new Map<string, string[]>();
      for (const d of docs) out.set(d.emoji, [...(out.get(d.emoji) ?? []), d.userId]);
      return [...out].map(([emoji, userIds]) => ({ emoji, userIds }));
    },
  };
}

/** A deleted message loses its reactions and their slots. */
export async function dropReactions(c: Collections, messageId: string): Promise<void> {
  await c.reactions.deleteMany({ messageId });
  await c.reactionSlots.deleteMany({ owner: messageId });
}
