import { sql, type Kysely } from 'kysely';
import { isSqlite } from './dialect.js';

/**
 * SQLite: the retry key's index leads with the client's id instead of the sender. Keyed by
 * sender, every send lands in its sender's own part of the index, so a group commit of sends
 * from n people rewrote n index pages. Clients now make their ids time-ordered (UUID v7, see the
 * SDK's outbox), and keyed by id first those sends land side by side at the end: a commit of 50
 * sends from 50 people writes 127 WAL pages instead of 202, and closed-loop acked sends with
 * the SDK's ids went from 7,515 to 9,765/s (bench persist, medians of three). Random ids cost
 * what they did before.
 *
 * SQLite cannot change a constraint in place, so the table is rebuilt: a copy of every message,
 * once, inside the migration's transaction (22 s and 0.5 GB of WAL for a million messages here);
 * nothing references it by foreign key.
 * PostgreSQL keeps its index: there the same change measured no difference (5,637 against
 * 5,069/s, within the runs' spread), and it would cost a locked index build on upgrade.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (isSqlite(db)) await rebuild(db, ['client_msg_id', 'sender_id'], 'messages_client_msg_uq');
}

export async function down(db: Kysely<any>): Promise<void> {
  if (isSqlite(db)) await rebuild(db, ['sender_id', 'client_msg_id'], 'messages_sender_client_msg_uq');
}

async function rebuild(db: Kysely<any>, key: [string, string], name: string): Promise<void> {
  const columns = sql.join(key.map((c) => sql.ref(c)));
  // Every column as 0001, 0004 and 0005 left it.
  await sql`create table messages_next (
    room_id text not null references rooms (id) on delete cascade,
    seq integer not null,
    id text not null,
    sender_id text not null references users (id),
    kind text not null,
    body text not null,
    client_msg_id text,
    created_at text not null,
    edited_at text,
    deleted_at text,
    attachments text,
    reply_to_id text,
    reply_to_seq bigint,
    reply_to_sender_id text,
    reply_to_excerpt text,
    reply_to_edited integer,
    reply_to_deleted integer,
    mentions text,
    search_id integer,
    mentions_all integer default 0 not null,
    constraint messages_pk primary key (room_id, seq),
    constraint messages_id_uq unique (id),
    constraint ${sql.ref(name)} unique (${columns})
  ) without rowid`.execute(db);
  // Copied by name, as the table has them: a column the new table lacks fails the copy.
  const { rows } = await sql<{ name: string }>`select name from pragma_table_info('messages')`.execute(db);
  const copied = sql.join(rows.map((r) => sql.ref(r.name)));
  await sql`insert into messages_next (${copied}) select ${copied} from messages`.execute(db);
  await sql`drop table messages`.execute(db);
  await sql`alter table messages_next rename to messages`.execute(db);
  await sql`create index messages_reply_to_idx on messages (reply_to_id) where reply_to_id is not null`.execute(db);
}
