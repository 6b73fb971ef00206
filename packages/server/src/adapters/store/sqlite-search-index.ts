import type BetterSqlite3 from 'better-sqlite3';
import { indexTokens } from '../../features/search/search-tokenizer.js';
import { sqliteSearchText } from './search-documents.js';

/**
 * The SQLite search index, in a file of its own (`<database>-search`, attached as `search`),
 * so that its one writer, the indexer, never holds the chat database's write lock: a send on
 * the main thread would otherwise wait for a whole batch (better-sqlite3 waits synchronously,
 * stalling the event loop). The indexer only reads the chat database (a WAL reader takes no
 * lock). Its progress (`watermark`, the last backlog id indexed) is committed with the rows it
 * indexed, so a crash between batches redoes nothing twice and loses nothing.
 */
export const searchFileOf = (file: string) => `${file}-search`;

/** Attaches the index file as `search`; `:memory:` for a store in memory. */
export function attachSearchFile(sqlite: BetterSqlite3.Database, searchFile: string): void {
  sqlite.prepare('attach database ? as search').run(searchFile);
  if (searchFile === ':memory:') return;
  sqlite.pragma('search.journal_mode = WAL');
  // The main thread drops backlog rows up to the watermark: a committed batch must survive power loss.
  sqlite.pragma('search.synchronous = FULL');
}

/** Creates the index file's tables if missing (idempotent); true when the file was new. */
export function ensureSearchSchema(sqlite: BetterSqlite3.Database): boolean {
  const existed = sqlite.prepare("select 1 from search.sqlite_master where name = 'search_state'").get() !== undefined;
  // Tokens come pre-split by the shared tokenizer (words, CJK bigrams): unicode61 only has to split
  // on the spaces between them. columnsize=0: no per-row size table (it serves only bm25 ranking;
  // results are by time).
  sqlite.exec(`
    create virtual table if not exists search.message_search using fts5(
      tokens, room_id unindexed, seq unindexed, tokenize = 'unicode61 remove_diacritics 0', columnsize = 0);
    create table if not exists search.search_state (id integer primary key check (id = 1), watermark integer not null);
    insert or ignore into search.search_state (id, watermark) values (1, 0);`);
  return !existed;
}

/**
 * Before 0006 the index lived in the chat database, written by the send: its rows (and rowids,
 * which messages.search_id point at) are copied over, then the old table is dropped. Redone in
 * full if a crash comes between the two (REPLACE keeps it idempotent).
 */
export function moveLegacyIndex(sqlite: BetterSqlite3.Database): boolean {
  if (!sqlite.prepare("select 1 from main.sqlite_master where type = 'table' and name = 'message_search'").get()) return false;
  sqlite
    .transaction(() => {
      sqlite.exec(`insert or replace into search.message_search (rowid, tokens, room_id, seq)
        select rowid, tokens, room_id, seq from main.message_search`);
    })
    .deferred();
  sqlite.exec('drop table main.message_search');
  return true;
}

/**
 * An index file that is new beside a chat database with indexed messages (restored from a backup
 * of the database alone, or deleted) is rebuilt through the backlog: every message that had an
 * index row is queued again, in search order, and the indexer writes it back under its search_id.
 */
export function requeueIndexedMessages(sqlite: BetterSqlite3.Database): number {
  return sqlite
    .prepare(
      'insert into main.search_backlog (room_id, seq) select room_id, seq from main.messages where search_id is not null order by search_id',
    )
    .run().changes;
}

interface PendingRow {
  id: number;
  room_id: string;
  seq: number;
  kind: string | null;
  body: string | null;
  deleted_at: string | null;
  search_id: number | null;
}

export interface IndexPass {
  /** Backlog rows indexed. */
  indexed: number;
  /** The last backlog id indexed (everything up to it is in the index). */
  watermark: number;
}

/**
 * One pass: index batches until the backlog as it stood at the start is done. A batch reads the
 * backlog and the messages' current bodies in one short read (a reader held open would keep the
 * chat database's WAL from being reset, and the senders' checkpoints then do ever more work),
 * tokenizes with no transaction open, then writes the index in one transaction on the index file
 * that first checks no other indexer took the same rows meanwhile. A body read just before an
 * edit or a deletion commits is no harm: that commits its own, later backlog row. The FTS rowid
 * is the message's search_id (the id of its first backlog row), so an edited message keeps its
 * place in search order.
 */
export function createSqliteIndexPass(sqlite: BetterSqlite3.Database, batchSize: number): () => IndexPass {
  const lock = sqlite.prepare('update search.search_state set watermark = watermark where id = 1');
  const watermark = sqlite.prepare<[], number>('select watermark from search.search_state where id = 1').pluck();
  const head = sqlite.prepare<[], number | null>('select max(id) from main.search_backlog').pluck();
  const pending = sqlite.prepare<[number, number], PendingRow>(`
    select b.id, b.room_id, b.seq, m.kind, m.body, m.deleted_at, m.search_id from main.search_backlog b
    left join main.messages m on m.room_id = b.room_id and m.seq = b.seq
    where b.id > ? order by b.id limit ?`);
  const insert = sqlite.prepare('insert into search.message_search (rowid, tokens, room_id, seq) values (?, ?, ?, ?)');
  const remove = sqlite.prepare('delete from search.message_search where rowid = ?');
  const advance = sqlite.prepare('update search.search_state set watermark = ? where id = 1');

  type Entry = { first: boolean; searchId: number; text: string | null; roomId: string; seq: number };
  const write = sqlite.transaction((from: number, to: number, entries: readonly Entry[]): boolean => {
    lock.run();
    if (watermark.get() !== from) return false;
    for (const e of entries) {
      // Its first backlog row has no index row yet; a later one (an edit, a deletion) replaces it.
      if (!e.first) remove.run(e.searchId);
      if (e.text !== null) insert.run(e.searchId, e.text, e.roomId, e.seq);
    }
    advance.run(to);
    return true;
  }).deferred;

  function batch(): { rows: number; watermark: number } {
    const from = watermark.get()!;
    const rows = pending.all(from, batchSize);
    if (rows.length === 0) return { rows: 0, watermark: from };
    const entries: Entry[] = [];
    for (const r of rows) {
      // No message (its room is gone): nothing to index, nothing known to replace.
      if (r.search_id === null) continue;
      const tokens = r.kind === 'text' && r.deleted_at === null && r.body !== null ? indexTokens(r.body) : [];
      entries.push({
        first: r.id === r.search_id,
        searchId: r.search_id,
        text: tokens.length > 0 ? sqliteSearchText(tokens) : null,
        roomId: r.room_id,
        seq: r.seq,
      });
    }
    const to = rows[rows.length - 1]!.id;
    // Another indexer (a second process on the same file) went first: read again from where it is.
    if (!write(from, to, entries)) return batch();
    return { rows: rows.length, watermark: to };
  }

  return () => {
    const target = head.get() ?? 0;
    // Nothing new: no write transaction (and no fsync) for an idle look.
    if (target <= watermark.get()!) return { indexed: 0, watermark: watermark.get()! };
    let indexed = 0;
    for (;;) {
      const b = batch();
      indexed += b.rows;
      if (b.rows < batchSize || b.watermark >= target) return { indexed, watermark: b.watermark };
    }
  };
}
