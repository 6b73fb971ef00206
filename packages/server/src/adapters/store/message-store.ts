import { sql } from 'kysely';
import { notFound } from '../../errors.js';
import type { Store } from '../../ports/store.js';
import { afterMessageDelete, afterMessageEdit } from './message-derived-rows.js';
import { toMessage } from './row-mappers.js';
import type { StoreContext } from './store-context.js';

/** Message reads and edits; the insert (the hot path) lives in a dialect-specific writer. */
export type MessageStore = Pick<Store, 'getMessage' | 'listMessages' | 'updateMessageBody' | 'markMessageDeleted'>;

/** No seq is ever above 2^53 (the API's bound); past it a bound means "the end". */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/**
 * Cursors as whole numbers within the seq range, so no driver is handed 1e308 or 2.5
 * for a 64-bit integer column: `seq > 2.5` is `seq > 2`, `seq < 2.5` is `seq < 3`.
 */
export function seqBounds(page: { afterSeq?: number; beforeSeq?: number }): { afterSeq?: number; beforeSeq?: number } {
  const out: { afterSeq?: number; beforeSeq?: number } = {};
  if (page.afterSeq !== undefined) out.afterSeq = Math.min(MAX_SEQ, Math.max(0, Math.floor(page.afterSeq)));
  if (page.beforeSeq !== undefined && page.beforeSeq <= MAX_SEQ) out.beforeSeq = Math.max(0, Math.ceil(page.beforeSeq));
  return out;
}

export function createMessageStore({ db, dialect }: StoreContext): MessageStore {
  return {
    async getMessage(id) {
      const row = await db.selectFrom('messages').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toMessage(row);
    },

    async listMessages(roomId, page) {
      const limit = Math.max(0, Math.trunc(page.limit));
      if (limit === 0) return [];
      const { afterSeq, beforeSeq } = seqBounds(page);
      if (afterSeq !== undefined && afterSeq >= MAX_SEQ) return [];
      let q = db.selectFrom('messages').selectAll().where('room_id', '=', roomId);
      if (beforeSeq !== undefined) q = q.where('seq', '<', beforeSeq);
      if (afterSeq !== undefined) {
        const rows = await q.where('seq', '>', afterSeq).orderBy('seq', 'asc').limit(limit).execute();
        return rows.map(toMessage);
      }
      // The newest page before the cursor, read backwards and handed out ascending.
      const rows = await q.orderBy('seq', 'desc').limit(limit).execute();
      return rows.reverse().map(toMessage);
    },

    async updateMessageBody(id, body, now) {
      const row = await db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('messages')
          .set({ body, edited_at: now })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        if (updated) await afterMessageEdit(trx, dialect, updated);
        return updated;
      });
      if (!row) throw notFound('message');
      return toMessage(row);
    },

    async markMessageDeleted(id, now) {
      // Deleting twice keeps the first deletion time.
      const row = await db.transaction().execute(async (trx) => {
        const deleted = await trx
          .updateTable('messages')
          .set({ body: '', deleted_at: sql<string>`coalesce(deleted_at, ${now})` })
          .where('id', '=', id)
          .returningAll()
          .executeTakeFirst();
        if (deleted) await afterMessageDelete(trx, dialect, deleted);
        return deleted;
      });
      if (!row) throw notFound('message');
      return toMessage(row);
    },
  };
}
