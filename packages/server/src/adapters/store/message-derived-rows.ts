import type { Transaction } from 'kysely';
import type { Database, MessagesTable } from './schema.js';
import type { StoreContext } from './store-context.js';

/**
 * What an edit or deletion changes beside the message row, in the same transaction: the quotes of
 * replies to it, on deletion its mention rows and reactions, and a search backlog row, from which
 * the indexer redoes the message's index row from its current body (see search-indexer.ts).
 */
export async function afterMessageEdit(trx: Transaction<Database>, dialect: StoreContext['dialect'], row: MessagesTable) {
  await trx.updateTable('messages').set({ reply_to_edited: 1 }).where('reply_to_id', '=', row.id).execute();
  await queueSearch(trx, dialect, row);
}

export async function afterMessageDelete(trx: Transaction<Database>, dialect: StoreContext['dialect'], row: MessagesTable) {
  await trx.updateTable('messages').set({ reply_to_deleted: 1, reply_to_excerpt: '' }).where('reply_to_id', '=', row.id).execute();
  await queueSearch(trx, dialect, row);
  await trx.deleteFrom('mentions').where('room_id', '=', row.room_id).where('seq', '=', row.seq).execute();
  await trx.deleteFrom('reactions').where('message_id', '=', row.id).execute();
}

async function queueSearch(trx: Transaction<Database>, dialect: StoreContext['dialect'], row: MessagesTable) {
  if (row.kind !== 'text' && row.search_id == null) return;
  if (dialect === 'postgres') {
    // Several indexers run at once in scale-out: an earlier entry of this message may be claimed
    // by one that read the old body. Deleting it waits for that indexer's commit, so the entry
    // added here is indexed after it, from the new body.
    await trx.deleteFrom('search_backlog').where('room_id', '=', row.room_id).where('seq', '=', row.seq).execute();
    await trx.insertInto('search_backlog').values({ room_id: row.room_id, seq: row.seq }).execute();
    return;
  }
  // SQLite has one indexer, which takes the backlog in id order: this entry comes after any earlier one.
  const { id } = await trx
    .insertInto('search_backlog')
    .values({ room_id: row.room_id, seq: row.seq })
    .returning('id')
    .executeTakeFirstOrThrow();
  // A message that was never indexed gets its place in search order now.
  if (row.search_id == null) {
    await trx.updateTable('messages').set({ search_id: id }).where('room_id', '=', row.room_id).where('seq', '=', row.seq).execute();
  }
}
