import type pg from 'pg';
import { indexTokens } from '../../features/search/search-tokenizer.js';
import { postgresTsvector } from './search-documents.js';
import { coalescedPasses, type SearchIndexer } from './search-indexer.js';

/**
 * Claims a batch: its backlog rows are deleted at once (the claim) and stay locked until this
 * transaction commits, so concurrent indexers (every worker process runs one) skip them, and a
 * crash rolls the claim back. Each message's current body comes along.
 */
const CLAIM = `
with claimed as (
  delete from search_backlog where id in (
    select id from search_backlog order by id limit $1 for update skip locked)
  returning room_id, seq
)
select distinct on (c.room_id, c.seq) c.room_id, c.seq, m.kind, m.body, m.deleted_at
from claimed c left join messages m on m.room_id = c.room_id and m.seq = c.seq`;

const UPSERT = `
insert into message_search (room_id, seq, tokens)
select u.room_id, u.seq, u.tokens::tsvector from unnest($1::text[], $2::bigint[], $3::text[]) as u(room_id, seq, tokens)
on conflict (room_id, seq) do update set tokens = excluded.tokens`;

const REMOVE = `
delete from message_search s using unnest($1::text[], $2::bigint[]) as u(room_id, seq)
where s.room_id = u.room_id and s.seq = u.seq`;

const WAITING = 'select count(*)::int as n from search_backlog';

interface Claimed {
  room_id: string;
  seq: number;
  kind: string | null;
  body: string | null;
  deleted_at: string | null;
}

/** The PostgreSQL indexer: claim rounds, in the worker role's job and inline before a search. */
export function createPostgresSearchIndexer({ pool, batchSize = 5000 }: { pool: pg.Pool; batchSize?: number }): SearchIndexer {
  async function round(): Promise<number> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      try {
        await client.query('begin');
        // The claim and the index rows commit together: a commit lost in a crash loses both (the
        // backlog rows come back), so this need not wait for the WAL flush.
        await client.query('set local synchronous_commit = off');
        const { rows } = await client.query<Claimed>({ name: 'chatchat_search_claim', text: CLAIM, values: [batchSize] });
        const put: [string[], number[], string[]] = [[], [], []];
        const drop: [string[], number[]] = [[], []];
        for (const r of rows) {
          const tokens = r.kind === 'text' && r.deleted_at === null && r.body !== null ? indexTokens(r.body) : [];
          if (tokens.length > 0) {
            put[0].push(r.room_id);
            put[1].push(r.seq);
            put[2].push(postgresTsvector(tokens));
          } else {
            drop[0].push(r.room_id);
            drop[1].push(r.seq);
          }
        }
        if (put[0].length > 0) await client.query({ name: 'chatchat_search_upsert', text: UPSERT, values: put });
        if (drop[0].length > 0) await client.query({ name: 'chatchat_search_remove', text: REMOVE, values: drop });
        await client.query('commit');
        return rows.length;
      } catch (err) {
        await client.query('rollback').catch((e: Error) => (broken = e));
        throw err;
      }
    } finally {
      client.release(broken);
    }
  }

  let closed = false;
  const pass = coalescedPasses(async () => {
    if (closed) throw new Error('store is closed');
    let n = 0;
    for (;;) {
      const claimed = await round();
      n += claimed;
      // Fewer than a batch: nothing left that no other indexer holds.
      if (claimed < batchSize) return n;
    }
  });

  return {
    async catchUp() {
      await pass();
      return (await pool.query<{ n: number }>(WAITING)).rows[0]!.n;
    },
    async migrated() {},
    async close() {
      closed = true;
      // Lets a pass under way finish before the pool goes.
      await pass().catch(() => {});
    },
  };
}
