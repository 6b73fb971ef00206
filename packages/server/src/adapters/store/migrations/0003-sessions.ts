import { sql, type Kysely } from 'kysely';

/**
 * A session is one login: its id is the refresh-token family id and the `sid` of every
 * access token issued for it. `expires_at` is absolute (refresh never moves it);
 * `revoked_at` marks logout, logout-all, password change and token theft.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();
  await db.schema.createIndex('sessions_expires_idx').on('sessions').column('expires_at').execute();
  await db.schema.createIndex('refresh_tokens_expires_idx').on('refresh_tokens').column('expires_at').execute();
  // Logins from before sessions existed keep working until their tokens expire.
  await sql`
    insert into sessions (id, user_id, created_at, expires_at, revoked_at)
    select family_id, min(user_id), min(created_at), max(expires_at), null from refresh_tokens group by family_id
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('refresh_tokens_expires_idx').ifExists().execute();
  await db.schema.dropTable('sessions').ifExists().execute();
}
