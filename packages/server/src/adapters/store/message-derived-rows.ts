import { sql, type Transaction } from 'kysely';
import { indexTokens } from '../../features/search/search-tokenizer.js';
import type { Database, MessagesTable } from './schema.js';
import { postgresTsvector, sqliteSearchText } from './search-documents.js';
import type { StoreContext } from './store-context.js';

/**
 * What an edit or deletion changes beside the message row, in the same transaction: the search
 * index (edits and deletions are found, or not, at once), the quotes of replies to it, and on
 * deletion its mention rows and reactions. `message_search` is not in the Kysely schema (an FTS5
 * table on SQLite), so it is written with plain SQL.
 */
export async function afterMessageEdit(trx: Transaction<Database>, dialect: StoreContext['dialect'], row: MessagesTable) {
  await trx.updateTable('messages').set({ reply_to_edited: 1 }).where('reply_to_id', '=', row.id).execute();
  const tokens = row.kind === 'text' ? indexTokens(row.body) : [];
  if (dialect === 'postgres') {
    if (tokens.length === 0) await sql`delete from message_search where room_id = ${row.room_id} and seq = ${row.seq}`.execute(trx);
    else {
      await sql`insert into message_search (room_id, seq, tokens) values (${row.room_id}, ${row.seq}, ${postgresTsvector(tokens)}::tsvector)
        on conflict (room_id, seq) do update set tokens = excluded.tokens`.execute(trx);
    }
    return;
  }
  const searchId = row.search_id ?? null;
  if (searchId !== null) await sql`delete from message_search where rowid = ${searchId}`.execute(trx);
  let next: number | null = null;
  if (tokens.length > 0) {
    // Reusing the rowid keeps the message where it was in search order (a new one would be "newest").
    const res =
      searchId !== null
        ? await sql<{ id: number }>`insert into message_search (rowid, tokens, room_id, seq)
          values (${searchId}, ${sqliteSearchText(tokens)}, ${row.room_id}, ${row.seq}) returning rowid as id`.execute(trx)
        : await sql<{ id: number }>`insert into message_search (tokens, room_id, seq)
          values (${sqliteSearchText(tokens)}, ${row.room_id}, ${row.seq}) returning rowid as id`.execute(trx);
    next = Number(res.rows[0]!.id);
  }
  if (next !== searchId) {
    await trx.updateTable('messages').set({ search_id: next }).where('room_id', '=', row.room_id).where('seq', '=', row.seq).execute();
  }
}

export async function afterMessageDelete(trx: Transaction<Database>, dialect: StoreContext['dialect'], row: MessagesTable) {
  await trx.updateTable('messages').set({ reply_to_deleted: 1, reply_to_excerpt: '' }).where('reply_to_id', '=', row.id).execute();
  if (dialect === 'postgres') await sql`delete from message_search where room_id = ${row.room_id} and seq = ${row.seq}`.execute(trx);
  else if (row.search_id != null) {
    await sql`delete from message_search where rowid = ${row.search_id}`.execute(trx);
    await trx.updateTable('messages').set({ search_id: null }).where('room_id', '=', row.room_id).where('seq', '=', row.seq).execute();
  }
  await trx.deleteFrom('mentions').where('room_id', '=', row.room_id).where('seq', '=', row.seq).execute();
  await trx.deleteFrom('reactions').where('message_id', '=', row.id).execute();
}
