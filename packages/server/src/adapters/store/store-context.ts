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

/**
 * Bound parameters one statement may carry here: under SQLite's 32,766 and PostgreSQL's
 * 65,535 with room to spare for the statement's other parameters.
 */
const MAX_PARAMS = 10_000;

/**
 * Every query with a variable-length list (`in (...)`, a multi-row insert) goes through
 * this: the list is cut into parts that fit the parameter limit, the parts run one after
 * another (inside a transaction if `run` uses one), and their results are concatenated
 * in part order. `paramsPerItem` is what one item costs (columns of a row to insert).
 */
export async function inChunks<T, R = never>(
  items: readonly T[],
  run: (part: T[]) => Promise<readonly R[] | void>,
  paramsPerItem = 1,
): Promise<R[]> {
  const size = Math.max(1, Math.floor(MAX_PARAMS / paramsPerItem));
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) {
    const got = await run(items.slice(i, i + size));
    if (got) out.push(...got);
  }
  return out;
}
