import { sql } from 'kysely';
import type { ConversationStore } from '../../ports/conversation-store.js';
import { toMessage } from './row-mappers.js';
import type { MessagesTable } from './schema.js';
import { postgresTsquery, sqliteMatchQuery } from './search-documents.js';
import type { StoreContext } from './store-context.js';

export type SearchStore = Pick<ConversationStore, 'searchMessages'>;

/**
 * Search rows carry a global, insert-ordered id (FTS5 rowid; an identity column on PostgreSQL),
 * so "newest first" walks ids downwards and the page cursor is the last id. Membership is a join
 * on the caller's current member rows, the same visibility as the history route.
 */
export function createSearchStore({ db, dialect }: StoreContext): SearchStore {
  return {
    async searchMessages({ userId, terms, roomId, before, limit }) {
      if (terms.length === 0) return [];
      const room = roomId === undefined ? sql`` : sql`and s.room_id = ${roomId}`;
      const below = before === undefined ? sql`` : dialect === 'sqlite' ? sql`and s.rowid < ${before}` : sql`and s.id < ${before}`;
      const rows =
        dialect === 'sqlite'
          ? await sql<MessagesTable & { sid: number }>`
              select s.rowid as sid, msg.* from message_search s
              join members m on m.room_id = s.room_id and m.user_id = ${userId} and m.left_at is null
              join messages msg on msg.room_id = s.room_id and msg.seq = s.seq and msg.deleted_at is null
              where message_search match ${sqliteMatchQuery(terms)} ${room} ${below}
              order by s.rowid desc limit ${limit}`.execute(db)
          : await sql<MessagesTable & { sid: number | string }>`
              select s.id as sid, msg.* from message_search s
              join members m on m.room_id = s.room_id and m.user_id = ${userId} and m.left_at is null
              join messages msg on msg.room_id = s.room_id and msg.seq = s.seq and msg.deleted_at is null
              where s.tokens @@ ${postgresTsquery(terms)}::tsquery ${room} ${below}
              order by s.id desc limit ${limit}`.execute(db);
      return rows.rows.map((r) => ({ message: toMessage(r), cursor: Number(r.sid) }));
    },
  };
}
