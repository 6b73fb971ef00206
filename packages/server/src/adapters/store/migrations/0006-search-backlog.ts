import { sql, type Kysely } from 'kysely';
import { isSqlite } from './dialect.js';

/**
 * The search index leaves the send path: a send (or edit, or deletion) of a text message
 * only adds a row to `search_backlog`, and an indexer writes the index later in big batches
 * (see search-indexer.ts). On SQLite the index itself moves to a file of its own, which the
 * store moves into place after migrating (an attached file cannot be created inside a
 * migration's transaction); its rowids are backlog ids, so they must continue above the ones
 * the index already holds.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (isSqlite(db)) {
    await sql`create table search_backlog (id integer primary key autoincrement, room_id text not null, seq integer not null)`.execute(db);
    await sql`insert into sqlite_sequence (name, seq) values ('search_backlog',
      max(coalesce((select max(rowid) from message_search), 0), coalesce((select max(search_id) from messages), 0)))`.execute(db);
    return;
  }
  await sql`create table search_backlog (
    id bigint generated always as identity primary key,
    room_id text not null,
    seq bigint not null)`.execute(db);
  // An edit waits here for an indexer holding the message's entry (see message-derived-rows.ts).
  await sql`create index search_backlog_message_idx on search_backlog (room_id, seq)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists search_backlog`.execute(db);
}
