import Sqlite from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@chatchat/server/testing';
import { queryTerms } from '../../features/search/search-tokenizer.js';
import type { Store } from '../../ports/store.js';
import { createStore } from './index.js';

/** The SQLite index's own file, its thread and its migration (the behaviour is the conversation contract's). */
describe('SQLite search indexer', () => {
  const dirs: string[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const open = async (file: string) => {
    const store = await createStore({ kind: 'sqlite', file });
    stores.push(store);
    await store.migrate();
    return store;
  };
  const fresh = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatchat-search-'));
    dirs.push(dir);
    const file = join(dir, 'chat.db');
    const store = await open(file);
    const now = new Date().toISOString();
    const user = await store.createUser({ username: `u_${Date.now()}`, displayName: 'u', passwordHash: 'x', now });
    const room = await store.createRoom({ kind: 'group', name: 'r', creatorId: user.id, memberIds: [], now });
    return { file, store, user, room, now };
  };
  const bodies = async (store: Store, userId: string, query: string) =>
    (await store.searchMessages({ userId, terms: queryTerms(query), limit: 50 })).map((h) => h.message.body);
  const insertRaw = (db: Sqlite.Database, roomId: string, senderId: string, seq: number, body: string, searchId: number | null) =>
    db
      .prepare(
        `insert into messages (room_id, seq, id, sender_id, kind, body, client_msg_id, created_at, mentions_all, search_id)
         values (?, ?, ?, ?, 'text', ?, null, ?, 0, ?)`,
      )
      .run(roomId, seq, `raw${seq}_${Date.now()}`, senderId, body, new Date().toISOString(), searchId);

  it('indexes on its own thread without being asked, also what was queued while no store was open', async () => {
    const { file, store, user, room } = await fresh();
    await stores.splice(0)[0]!.close();
    // Queued as a send queues it, with no indexer running (a crash before the indexer got to it).
    const raw = new Sqlite(file);
    const id = Number(raw.prepare('insert into search_backlog (room_id, seq) values (?, 1)').run(room.id).lastInsertRowid);
    insertRaw(raw, room.id, user.id, 1, 'queued before the restart', id);
    raw.prepare('update rooms set last_seq = 1 where id = ?').run(room.id);
    raw.close();
    void store;

    await open(file);
    const index = new Sqlite(`${file}-search`, { readonly: true });
    try {
      await waitFor(() => index.prepare('select watermark from search_state').pluck().get() === id, {
        what: 'the thread indexed the backlog',
      });
      expect(index.prepare('select room_id, seq from message_search where rowid = ?').get(id)).toEqual({ room_id: room.id, seq: 1 });
    } finally {
      index.close();
    }
    const reopened = stores[0]!;
    expect(await bodies(reopened, user.id, 'restart')).toEqual(['queued before the restart']);
    // Indexed rows leave the backlog (the main thread drops them now and then).
    const main = new Sqlite(file, { readonly: true });
    try {
      await reopened.insertMessage({
        roomId: room.id,
        senderId: user.id,
        kind: 'text',
        body: 'one more',
        clientMsgId: null,
        now: new Date().toISOString(),
      });
      await waitFor(() => main.prepare('select count(*) from search_backlog where id <= ?').pluck().get(id) === 0, {
        what: 'indexed backlog rows dropped',
      });
    } finally {
      main.close();
    }
  });

  it('rebuilds a lost index file through the backlog (a backup of the chat database alone)', async () => {
    const { file, store, user, room } = await fresh();
    for (const text of ['restored first', 'restored second', 'restored third']) {
      await store.insertMessage({
        roomId: room.id,
        senderId: user.id,
        kind: 'text',
        body: text,
        clientMsgId: null,
        now: new Date().toISOString(),
      });
    }
    const [first] = await store.listMessages(room.id, { afterSeq: 0, limit: 1 });
    await store.updateMessageBody(first!.id, 'restored edited', new Date().toISOString());
    expect(await store.indexPendingSearch()).toBe(0);
    await stores.splice(0)[0]!.close();
    for (const f of ['', '-wal', '-shm']) rmSync(`${file}-search${f}`, { force: true });

    const reopened = await open(file);
    // Search order (send order) survives the rebuild; the edit is there with its new words.
    expect(await bodies(reopened, user.id, 'restored')).toEqual(['restored third', 'restored second', 'restored edited']);
    expect(await bodies(reopened, user.id, 'first')).toEqual([]);
  });

  it('moves the index of a database from before 0006 into its own file, keeping rowids and order', async () => {
    const { file, user, room } = await fresh();
    await stores.splice(0)[0]!.close();
    // Back to the 0005 layout (later migrations undone too): the index inside the chat database, written by the send.
    const raw = new Sqlite(file);
    raw.exec(`drop table search_backlog; delete from sqlite_sequence where name = 'search_backlog';
      delete from kysely_migration where name in ('0006-search-backlog', '0007-members-current-idx', '0008-client-msg-id-first');
      drop index members_room_current_idx;
      create virtual table message_search using fts5(
        tokens, room_id unindexed, seq unindexed, tokenize = 'unicode61 remove_diacritics 0', columnsize = 0);`);
    for (const [seq, text] of [
      [1, 'legacy alpha'],
      [2, 'legacy beta'],
    ] as const) {
      const sid = Number(
        raw.prepare('insert into message_search (tokens, room_id, seq) values (?, ?, ?)').run(text, room.id, seq).lastInsertRowid,
      );
      insertRaw(raw, room.id, user.id, seq, text, sid);
    }
    raw.prepare('update rooms set last_seq = 2 where id = ?').run(room.id);
    raw.close();
    for (const f of ['', '-wal', '-shm']) rmSync(`${file}-search${f}`, { force: true });

    const store = await open(file);
    expect(existsSync(`${file}-search`)).toBe(true);
    expect(await bodies(store, user.id, 'legacy')).toEqual(['legacy beta', 'legacy alpha']);
    await store.insertMessage({
      roomId: room.id,
      senderId: user.id,
      kind: 'text',
      body: 'legacy gamma',
      clientMsgId: null,
      now: new Date().toISOString(),
    });
    const alpha = (await store.listMessages(room.id, { afterSeq: 0, limit: 10 }))[0]!;
    await store.updateMessageBody(alpha.id, 'legacy rewritten', new Date().toISOString());
    // New rowids continue above the moved ones; the edited message keeps its place.
    expect(await bodies(store, user.id, 'legacy')).toEqual(['legacy gamma', 'legacy beta', 'legacy rewritten']);
    expect(await bodies(store, user.id, 'alpha')).toEqual([]);
    const main = new Sqlite(file, { readonly: true });
    try {
      expect(main.prepare("select count(*) from sqlite_master where name = 'message_search'").pluck().get()).toBe(0);
    } finally {
      main.close();
    }
  });
});
