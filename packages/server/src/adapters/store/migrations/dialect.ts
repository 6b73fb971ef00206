import { SqliteAdapter, type Kysely } from 'kysely';

/** Migrations that differ by dialect ask this; the rest of the store is told its dialect. */
export const isSqlite = (db: Kysely<any>): boolean => db.getExecutor().adapter instanceof SqliteAdapter;
