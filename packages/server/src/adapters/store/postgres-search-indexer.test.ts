import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, waitFor } from '@chatchat/server/testing';
import { indexTokens, queryTerms } from '../../features/search/search-tokenizer.js';
import type { Store } from '../../ports/store.js';
import { createStore } from './index.js';
import { postgresTsvector } from './search-documents.js';

/** Several indexers at once (one per worker process): the race the edit path must win. */
describe('PostgreSQL search indexer', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let store: Store;
  let indexer: pg.Client;
  beforeAll(async () => {
    database = await createTestDatabase();
    store = await createStore({ kind: 'postgres', url: database.url, poolSize: 4 });
    await store.migrate();
    indexer = new pg.Client({ connectionString: database.url });
    await indexer.connect();
  });
  afterAll(async () => {
    await indexer?.end();
    await store?.close();
    await database?.drop();
  });

  it('indexes an edit after an indexer that read the old body, never before it', async () => {
    const now = new Date().toISOString();
    const user = await store.createUser({ username: `u_${Date.now()}`, displayName: 'u', passwordHash: 'x', now });
    const room = await store.createRoom({ kind: 'group', name: 'r', creatorId: user.id, memberIds: [], now });
    const { message } = await store.insertMessage({
      roomId: room.id,
      senderId: user.id,
      kind: 'text',
      body: 'stale words',
      clientMsgId: null,
      now,
    });
    // Another process's indexer claims the send's backlog row and reads the body, then is slow to commit.
    await indexer.query('begin');
    const claimed = await indexer.query('delete from search_backlog where room_id = $1 and seq = $2 returning id', [room.id, message.seq]);
    expect(claimed.rowCount).toBe(1);

    let settled = false;
    const edit = store.updateMessageBody(message.id, 'fresh words', new Date().toISOString()).finally(() => (settled = true));
    // The edit either waits for that indexer (as it must) or has committed already.
    await waitFor(async () => settled || (await indexer.query('select 1 from pg_locks where not granted')).rowCount! > 0, {
      what: 'the edit to wait or to finish',
    });
    // Meanwhile a third indexer runs; then the slow one writes what it read, as the indexer does.
    await store.indexPendingSearch();
    await indexer.query(
      `insert into message_search (room_id, seq, tokens) values ($1, $2, $3::tsvector)
       on conflict (room_id, seq) do update set tokens = excluded.tokens`,
      [room.id, message.seq, postgresTsvector(indexTokens('stale words'))],
    );
    await indexer.query('commit');
    await edit;

    const find = async (q: string) =>
      (await store.searchMessages({ userId: user.id, terms: queryTerms(q), limit: 5 })).map((h) => h.message.body);
    expect(await find('fresh')).toEqual(['fresh words']);
    expect(await find('stale')).toEqual([]);
  });
});
