import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

/** What every area of the store shares: the query builder and the dialect it speaks. */
export interface StoreContext {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
}

/**
 * Reads the room inside a transaction and, on PostgreSQL, locks its row until commit so
 * membership and notice changes serialise with sends to the room. SQLite transactions
 * are serial already (one connection), and it has no FOR UPDATE.
 */
export async function lockRoom(
  trx: Transaction<Database>,
  dialect: StoreContext['dialect'],
  roomId: string,
): Promise<{ id: string; last_seq: number } | undefined> {
  let q = trx.selectFrom('rooms').select(['id', 'last_seq']).where('id', '=', roomId);
  if (dialect === 'postgres') q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row && { id: row.id, last_seq: Number(row.last_seq) };
}

export { inChunks } from './in-chunks.js';
