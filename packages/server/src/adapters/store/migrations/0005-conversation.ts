import { sql, type Kysely } from 'kysely';
import { isSqlite } from './dialect.js';
import { indexTokens } from '../../../features/search/search-tokenizer.js';
import { sqliteSearchText, postgresTsvector } from '../search-documents.js';

/**
 * Replies, mentions, reactions, pins, per-member notification settings, room descriptions and
 * the search index. Existing text messages are indexed here, in pages, so search finds them.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const sqlite = isSqlite(db);
  for (const [name, type] of [
    ['reply_to_id', 'text'],
    ['reply_to_seq', 'bigint'],
    ['reply_to_sender_id', 'text'],
    ['reply_to_excerpt', 'text'],
    ['reply_to_edited', 'integer'],
    ['reply_to_deleted', 'integer'],
    // JSON array of user ids; null when none.
    ['mentions', 'text'],
    // SQLite: the FTS5 rowid of the message's search row (PostgreSQL keys its search rows by room and seq).
    ['search_id', 'integer'],
  ] as const) {
    await db.schema.alterTable('messages').addColumn(name, type).execute();
  }
  await db.schema
    .alterTable('messages')
    .addColumn('mentions_all', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Edits and deletions of an original update the quotes of its replies.
  await db.schema
    .createIndex('messages_reply_to_idx')
    .on('messages')
    .column('reply_to_id')
    .where(sql.ref('reply_to_id'), 'is not', null)
    .execute();

  await db.schema.alterTable('rooms').addColumn('description', 'text').execute();
  await db.schema
    .alterTable('members')
    .addColumn('notify', 'text', (c) => c.notNull().defaultTo('all'))
    .execute();
  await db.schema.alterTable('members').addColumn('mute_until', 'text').execute();

  await db.schema
    .createTable('reactions')
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('emoji', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('reactions_pk', ['message_id', 'emoji', 'user_id'])
    .execute();

  await db.schema
    .createTable('pins')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('pinned_by', 'text', (c) => c.notNull())
    .addColumn('pinned_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('pins_pk', ['room_id', 'message_id'])
    .execute();

  // One row per mentioned member and message; `*` stands for `@all`. Counts are derived from
  // the read pointer (seq > last_read_seq), so reading past a mention clears it with no write here.
  await db.schema
    .createTable('mentions')
    .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('mentions_pk', ['room_id', 'user_id', 'seq'])
    .execute();

  if (sqlite) {
    // Tokens come pre-split by the shared tokenizer (words, CJK bigrams): unicode61 only has to
    // split on the spaces between them. room_id and seq ride along to find the message.
    // columnsize=0: no per-row size table (it serves only bm25 ranking; results are by time), one
    // b-tree write fewer per send.
    await sql`create virtual table message_search using fts5(
      tokens, room_id unindexed, seq unindexed, tokenize = 'unicode61 remove_diacritics 0', columnsize = 0)`.execute(db);
  } else {
    await sql`create table message_search (
      id bigint generated always as identity primary key,
      room_id text not null references rooms(id) on delete cascade,
      seq bigint not null,
      tokens tsvector not null,
      unique (room_id, seq))`.execute(db);
    await sql`create index message_search_tokens_idx on message_search using gin (tokens)`.execute(db);
  }
  await backfill(db, sqlite);
}

async function backfill(db: Kysely<any>, sqlite: boolean) {
  let after: { room_id: string; seq: number } | undefined;
  for (;;) {
    let q = db.selectFrom('messages').select(['room_id', 'seq', 'body']).where('kind', '=', 'text').where('deleted_at', 'is', null);
    if (after) {
      const a = after;
      q = q.where((eb) => eb.or([eb('room_id', '>', a.room_id), eb.and([eb('room_id', '=', a.room_id), eb('seq', '>', a.seq)])]));
    }
    const rows = (await q.orderBy('room_id').orderBy('seq').limit(1000).execute()) as Array<{ room_id: string; seq: number; body: string }>;
    if (rows.length === 0) return;
    for (const r of rows) {
      const tokens = indexTokens(r.body);
      if (tokens.length === 0) continue;
      if (sqlite) {
        const res = await sql<{ id: number }>`insert into message_search (tokens, room_id, seq)
          values (${sqliteSearchText(tokens)}, ${r.room_id}, ${r.seq}) returning rowid as id`.execute(db);
        await db
          .updateTable('messages')
          .set({ search_id: res.rows[0]!.id })
          .where('room_id', '=', r.room_id)
          .where('seq', '=', r.seq)
          .execute();
      } else {
        await sql`insert into message_search (room_id, seq, tokens) values (${r.room_id}, ${r.seq}, ${postgresTsvector(tokens)}::tsvector)`.execute(
          db,
        );
      }
    }
    const last = rows[rows.length - 1]!;
    after = { room_id: last.room_id, seq: Number(last.seq) };
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists message_search`.execute(db);
  for (const table of ['mentions', 'pins', 'reactions']) await db.schema.dropTable(table).ifExists().execute();
  await db.schema.dropIndex('messages_reply_to_idx').ifExists().execute();
  for (const c of [
    'reply_to_id',
    'reply_to_seq',
    'reply_to_sender_id',
    'reply_to_excerpt',
    'reply_to_edited',
    'reply_to_deleted',
    'mentions',
    'search_id',
    'mentions_all',
  ]) {
    await db.schema.alterTable('messages').dropColumn(c).execute();
  }
  await db.schema.alterTable('rooms').dropColumn('description').execute();
  await db.schema.alterTable('members').dropColumn('notify').execute();
  await db.schema.alterTable('members').dropColumn('mute_until').execute();
}
