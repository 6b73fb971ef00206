import { sql, type Kysely } from 'kysely';
import { isSqlite } from './dialect.js';

/**
 * Seq columns become 64-bit on PostgreSQL (the API accepts seqs up to 2^53; `integer`
 * stops at 2^31). SQLite integers are 64-bit already. The pool parses int8 back to JS
 * numbers (see index.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (isSqlite(db)) return;
  await sql`alter table rooms alter column last_seq type bigint`.execute(db);
  await sql`alter table members alter column joined_seq type bigint, alter column last_read_seq type bigint`.execute(db);
  await sql`alter table messages alter column seq type bigint`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (isSqlite(db)) return;
  await sql`alter table messages alter column seq type integer`.execute(db);
  await sql`alter table members alter column joined_seq type integer, alter column last_read_seq type integer`.execute(db);
  await sql`alter table rooms alter column last_seq type integer`.execute(db);
}
