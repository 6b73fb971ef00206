import { sql, type Kysely } from 'kysely';
import type { ConversationStore } from '../../ports/conversation-store.js';
import { toMessage } from './row-mappers.js';
import type { Database, MessagesTable } from './schema.js';
import { postgresTsquery, sqliteMatchQuery } from './search-documents.js';
import type { SearchIndexer } from './search-indexer.js';
import type { StoreContext } from './store-context.js';

export type SearchStore = Pick<ConversationStore, 'searchMessages'>;

export interface SearchStoreOptions extends StoreContext {
  indexer: SearchIndexer;
  /** Where queries run (SQLite: a connection with the index file attached as `search`); default `db`. */
  queryDb?: () => Kysely<Database>;
}

/**
 * Search rows carry a global, insert-ordered id (FTS5 rowid; an identity column on PostgreSQL),
 * so "newest first" walks ids downwards and the page cursor is the last id. Membership is a join
 * on the caller's current member rows, the same visibility as the history route. What was
 * acknowledged before the search began is indexed first (see search-indexer.ts), the one place
 * that makes the index current for a reader.
 */
export function createSearchStore({ db: storeDb, dialect, indexer, queryDb = () => storeDb }: SearchStoreOptions): SearchStore {
  return {
    async searchMessages({ userId, terms, roomId, before, limit }) {
      if (terms.length === 0) return [];
      await indexer.catchUp();
      const db = queryDb();
      const room = roomId === undefined ? sql`` : sql`and s.room_id = ${roomId}`;
      const below = before === undefined ? sql`` : dialect === 'sqlite' ? sql`and s.rowid < ${before}` : sql`and s.id < ${before}`;
      const rows =
        dialect === 'sqlite'
          ? await sql<MessagesTable & { sid: number }>`
              select s.rowid as sid, msg.* from search.message_search s
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
