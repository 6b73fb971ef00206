import type { PinStore } from '../pin-store.js';
import { type Collections, isDuplicateKey, toMessage } from './mongo-documents.js';
import { releaseSlot, takeSlot } from './mongo-slots.js';

export const pinId = (roomId: string, messageId: string) => `${roomId}:${messageId}`;

/**
 * Pins, one document per (room, message) by `_id`; the per-room cap is a capped set of
 * slots (see `takeSlot`), so racing pins never go past it. Like the SQL stores, a pin of a
 * deleted message keeps its place in the cap until it is unpinned.
 */
export function createMongoPinStore(c: Collections): PinStore {
  return {
    async addPin({ roomId, messageId, seq, userId, now, max }) {
      const _id = pinId(roomId, messageId);
      if (await c.pins.findOne({ _id }, { projection: { _id: 1 } })) return { status: 'exists' };
      const slot = await takeSlot(c.pinSlots, roomId, messageId, max);
      if (slot === undefined) return { status: 'full' };
      try {
        await c.pins.insertOne({ _id, roomId, messageId, seq, pinnedBy: userId, pinnedAt: now, slot });
      } catch (err) {
        if (isDuplicateKey(err)) return { status: 'exists' };
        throw err;
      }
      const message = await c.messages.findOne({ _id: messageId });
      if (!message) throw new Error(`pinned message ${messageId} is missing`);
      return { status: 'added', pin: { messageId, seq, pinnedBy: userId, pinnedAt: now, message: toMessage(message) } };
    },

    async removePin(roomId, messageId) {
      const _id = pinId(roomId, messageId);
      const d = await c.pins.findOne({ _id });
      if (!d) return false;
      const res = await c.pins.deleteOne({ _id });
      if (res.deletedCount === 0) return false;
      await releaseSlot(c.pinSlots, roomId, d.slot, messageId);
      return true;
    },
  };
}
