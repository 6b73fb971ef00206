import type { ConversationStore } from '../../ports/conversation-store.js';
import { lockRoom, type StoreContext } from './store-context.js';
import { toMessage } from './row-mappers.js';

export type PinStore = Pick<ConversationStore, 'addPin' | 'removePin'>;

export function createPinStore({ db, dialect }: StoreContext): PinStore {
  return {
    async addPin({ roomId, messageId, seq, userId, now, max }) {
      return db.transaction().execute(async (trx) => {
        // The room lock (PostgreSQL) keeps the cap exact against concurrent pins.
        await lockRoom(trx, dialect, roomId);
        const existing = await trx.selectFrom('pins').select('message_id').where('room_id', '=', roomId).execute();
        if (existing.some((p) => p.message_id === messageId)) return { status: 'exists' as const };
        if (existing.length >= max) return { status: 'full' as const };
        await trx.insertInto('pins').values({ room_id: roomId, message_id: messageId, seq, pinned_by: userId, pinned_at: now }).execute();
        const row = await trx.selectFrom('messages').selectAll().where('id', '=', messageId).executeTakeFirstOrThrow();
        return { status: 'added' as const, pin: { messageId, seq, pinnedBy: userId, pinnedAt: now, message: toMessage(row) } };
      });
    },

    async removePin(roomId, messageId) {
      const res = await db.deleteFrom('pins').where('room_id', '=', roomId).where('message_id', '=', messageId).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
  };
}
