import { randomUUID } from 'node:crypto';
import { notFound } from '../../errors.js';
import type { Store } from '../../ports/store.js';
import { isForeignKeyViolation } from './db-errors.js';
import { toAnnouncement, toNotice } from './row-mappers.js';
import { lockRoom, type StoreContext } from './store-context.js';

export type NoticeStore = Pick<Store, 'createNotice' | 'getNotice' | 'deactivateNotice' | 'createAnnouncement' | 'listAnnouncements'>;

export function createNoticeStore({ db, dialect }: StoreContext): NoticeStore {
  return {
    async createNotice({ roomId, authorId, body, now }) {
      const row = { id: randomUUID(), room_id: roomId, author_id: authorId, body, created_at: now, active: 1 };
      try {
        await db.transaction().execute(async (trx) => {
          // Two notices posted at once queue on the room row instead of tripping the
          // one-active-notice index.
          if (!(await lockRoom(trx, dialect, roomId))) throw notFound('room');
          await trx.updateTable('notices').set({ active: 0 }).where('room_id', '=', roomId).where('active', '=', 1).execute();
          await trx.insertInto('notices').values(row).execute();
        });
      } catch (err) {
        if (isForeignKeyViolation(err)) throw notFound('user');
        throw err;
      }
      return toNotice(row);
    },

    async getNotice(id) {
      const row = await db.selectFrom('notices').selectAll().where('id', '=', id).executeTakeFirst();
      return row && { ...toNotice(row), active: Number(row.active) === 1 };
    },

    async deactivateNotice(id) {
      const res = await db.updateTable('notices').set({ active: 0 }).where('id', '=', id).where('active', '=', 1).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    async createAnnouncement({ authorId, body, now }) {
      const row = { id: randomUUID(), author_id: authorId, body, created_at: now };
      try {
        await db.insertInto('announcements').values(row).execute();
      } catch (err) {
        if (isForeignKeyViolation(err)) throw notFound('user');
        throw err;
      }
      return toAnnouncement(row);
    },

    async listAnnouncements(limit) {
      const n = Math.max(0, Math.trunc(limit));
      if (n === 0) return [];
      const rows = await db.selectFrom('announcements').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(n).execute();
      return rows.map(toAnnouncement);
    },
  };
}
