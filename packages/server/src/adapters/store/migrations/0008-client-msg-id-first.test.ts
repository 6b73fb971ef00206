import Sqlite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../ports/store.js';
import { createStore, type StoreOptions } from '../index.js';
import { migrationProvider } from './index.js';

async function retryKey(db: Kysely<any>): Promise<string[]> {
  const { rows: indexes } = await sql<{ name: string; unique: number }>`select name, "unique" from pragma_index_list('messages')`.execute(
    db,
  );
  for (const { name, unique } of indexes) {
    if (!unique) continue;
    const { rows } = await sql<{ name: string }>`select name from pragma_index_info(${name}) order by seqno`.execute(db);
    const columns = rows.map((r) => r.name);
    if (columns.includes('client_msg_id')) return columns;
  }
  return [];
}

describe("migration 0008 (SQLite): the retry key leads with the client's id", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function openStore(options: StoreOptions): Promise<Store> {
    const store = await createStore(options);
    await store.migrate();
    return store;
  }

  it('rebuilds the index over stored messages, keeps every column, and still recognises a retry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatchat-0008-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'chat.db');
    const options: StoreOptions = { kind: 'sqlite', file };
    let store = await openStore(options);
    const now = new Date().toISOString();
    const a = await store.createUser({ username: 'ann', displayName: 'Ann', passwordHash: 'h', now });
    const b = await store.createUser({ username: 'bob', displayName: 'Bob', passwordHash: 'h', now });
    const room = await store.createRoom({ kind: 'group', name: 'r', creatorId: a.id, memberIds: [b.id], now });
    const first = (await store.insertMessage({ roomId: room.id, senderId: a.id, kind: 'text', body: 'first', clientMsgId: 'c-1', now }))
      .message;
    const quote = { messageId: first.id, seq: first.seq, senderId: a.id, excerpt: 'first', deleted: false, edited: false };
    await store.insertMessage({
      roomId: room.id,
      senderId: b.id,
      kind: 'text',
      body: 'reply @ann',
      clientMsgId: 'c-1',
      now,
      replyTo: quote,
      mentions: [a.id],
    });
    await store.updateMessageBody(first.id, 'first, edited', now);
    const before = await store.listMessages(room.id, { afterSeq: 0, limit: 10 });
    await store.close();

    // Undo 0008 and redo it over the stored rows: down, then up, both on real data.
    const sqlite = new Sqlite(file);
    sqlite.pragma('foreign_keys = ON');
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }) });
    try {
      const migrator = new Migrator({ db, provider: migrationProvider });
      expect((await migrator.migrateTo('0007-members-current-idx')).error).toBeUndefined();
      expect(await retryKey(db)).toEqual(['sender_id', 'client_msg_id']);
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await retryKey(db)).toEqual(['client_msg_id', 'sender_id']);
    } finally {
      await db.destroy();
    }

    store = await openStore(options);
    cleanups.push(() => store.close());
    expect(await store.listMessages(room.id, { afterSeq: 0, limit: 10 })).toEqual(before);
    const retry = await store.insertMessage({ roomId: room.id, senderId: a.id, kind: 'text', body: 'again', clientMsgId: 'c-1', now });
    expect(retry).toMatchObject({ duplicate: true, message: { id: first.id } });
    // The same client id from another sender is another message.
    const other = await store.insertMessage({ roomId: room.id, senderId: b.id, kind: 'text', body: 'new', clientMsgId: 'c-2', now });
    expect(other.duplicate).toBe(false);
  });
});
