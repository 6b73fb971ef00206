import type { Kysely } from 'kysely';

// Uploads become attachments once sent: one table, one row per file. Jobs are the
// durable queue the worker role leases from (thumbnails, avatar sizes).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('uploads')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('room_id', 'text', (c) => c.references('rooms.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    // sender's clientMsgId while a send claims it; makes a retried send idempotent.
    .addColumn('claim_key', 'text')
    .addColumn('message_id', 'text')
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('placeholder', 'text')
    .addColumn('variants', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('completed_at', 'text')
    .execute();
  await db.schema.createIndex('uploads_owner_idx').on('uploads').columns(['owner_id', 'state']).execute();
  await db.schema.createIndex('uploads_message_idx').on('uploads').column('message_id').execute();
  await db.schema.createIndex('uploads_state_created_idx').on('uploads').columns(['state', 'created_at']).execute();

  await db.schema.alterTable('messages').addColumn('attachments', 'text').execute();

  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    // What the job is about (an upload id): one live job per (kind, key).
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('run_at', 'text', (c) => c.notNull())
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addUniqueConstraint('jobs_kind_key_uq', ['kind', 'key'])
    .execute();
  await db.schema.createIndex('jobs_due_idx').on('jobs').columns(['state', 'run_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('jobs').ifExists().execute();
  await db.schema.alterTable('messages').dropColumn('attachments').execute();
  await db.schema.dropTable('uploads').ifExists().execute();
}
