import type { Message } from '@chatchat/protocol';
import type pg from 'pg';
import { isForeignKeyViolation, isUniqueViolation } from './db-errors.js';
import type { MessageRow, SendStatements } from './group-commit-writer.js';
import { toMessage } from './row-mappers.js';
import { messageExtras } from './conversation-rows.js';
import type { MessagesTable } from './schema.js';

/**
 * One send, one autocommitted statement: bump the room's seq if the sender is a current
 * member (the row lock serialises writers of a room until commit, so seqs are gap-free),
 * insert the message, and move the sender's read pointer forward. A stored twin trips the
 * unique index (concurrent twins wait on it and trip it once the first commits).
 */
const INSERT_ONE = `
with r as (
  update rooms set last_seq = last_seq + 1 where id = $1
    and exists (select 1 from members where room_id = $1 and user_id = $3 and left_at is null)
  returning id, last_seq
), m as (
  insert into messages (room_id, seq, id, sender_id, kind, body, client_msg_id, created_at,
    reply_to_id, reply_to_seq, reply_to_sender_id, reply_to_excerpt, reply_to_edited, reply_to_deleted, mentions, mentions_all)
  select r.id, r.last_seq, $2, $3, $4, $5, $6, $7, $8, $9::int, $10, $11, $12::int, $13::int, $14, $15::int from r
  returning *
), p as (
  update members set last_read_seq = m.seq from m
  where members.room_id = m.room_id and members.user_id = m.sender_id and members.last_read_seq < m.seq
), s as (
  -- Indexed later, off the send path (see search-indexer.ts).
  insert into search_backlog (room_id, seq) select m.room_id, m.seq from m where $16::boolean and m.kind = 'text'
), x as (
  insert into mentions (room_id, user_id, seq) select m.room_id, u.user_id, m.seq from m, unnest($17::text[]) as u(user_id)
  on conflict do nothing
)
select * from m`;

/**
 * Many sends in one statement: each room's seq moves by the number of its new messages,
 * which are numbered in arrival order; retries already stored are left out.
 */
const INSERT_MANY = `
with input as (
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
      $8::text[], $9::int[], $10::text[], $11::text[], $12::int[], $13::int[], $14::text[], $15::int[])
    with ordinality as t(room_id, id, sender_id, kind, body, client_msg_id, created_at,
      reply_to_id, reply_to_seq, reply_to_sender_id, reply_to_excerpt, reply_to_edited, reply_to_deleted, mentions, mentions_all,
      ord)
), fresh as (
  -- LATERAL ... LIMIT 1 keeps this an index probe per send; as a plain NOT EXISTS the
  -- planner may hash the whole messages table.
  select i.* from input i
  left join lateral (
    select 1 as hit from messages d where d.sender_id = i.sender_id and d.client_msg_id = i.client_msg_id limit 1
  ) d on true
  where d.hit is null
    -- Only current members may send: the check rides along instead of a read per send.
    and exists (select 1 from members mb where mb.room_id = i.room_id and mb.user_id = i.sender_id and mb.left_at is null)
), counts as (
  select room_id, count(*)::int as n from fresh group by room_id
), bumped as (
  update rooms r set last_seq = r.last_seq + c.n from counts c where r.id = c.room_id
  returning r.id, r.last_seq - c.n as base
), m as (
  insert into messages (room_id, seq, id, sender_id, kind, body, client_msg_id, created_at,
    reply_to_id, reply_to_seq, reply_to_sender_id, reply_to_excerpt, reply_to_edited, reply_to_deleted, mentions, mentions_all)
  select f.room_id, b.base + row_number() over (partition by f.room_id order by f.ord),
         f.id, f.sender_id, f.kind, f.body, f.client_msg_id, f.created_at,
         f.reply_to_id, f.reply_to_seq, f.reply_to_sender_id, f.reply_to_excerpt, f.reply_to_edited, f.reply_to_deleted,
         f.mentions, f.mentions_all
  from fresh f join bumped b on b.id = f.room_id
  returning *
), p as (
  update members mb set last_read_seq = x.seq
  from (select room_id, sender_id, max(seq) as seq from m group by room_id, sender_id) x
  where mb.room_id = x.room_id and mb.user_id = x.sender_id and mb.last_read_seq < x.seq
), s as (
  insert into search_backlog (room_id, seq) select m.room_id, m.seq from m where $16::boolean and m.kind = 'text'
), x as (
  insert into mentions (room_id, user_id, seq)
  select m.room_id, mu.user_id, m.seq from m join unnest($17::text[], $18::text[]) as mu(id, user_id) on mu.id = m.id
  on conflict do nothing
)
select * from m`;

/** Rooms are locked in one global order so that concurrent batches never deadlock. */
const LOCK_ROOMS = 'select id from rooms where id = any($1::text[]) order by id for update';

const FIND_SENT = `
select m.* from messages m
join unnest($1::text[], $2::text[]) as k(sender_id, client_msg_id)
  on m.sender_id = k.sender_id and m.client_msg_id = k.client_msg_id`;

/** Statements are named, so each connection prepares them once: the hot path skips parsing. */
export function createPostgresSendStatements({ pool, searchIndex = true }: { pool: pg.Pool; searchIndex?: boolean }): SendStatements {
  async function insertMany(rows: readonly MessageRow[]): Promise<MessagesTable[]> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      try {
        await client.query('begin');
        const roomIds = [...new Set(rows.map((r) => r.roomId))].sort();
        await client.query({ name: 'chatchat_lock_rooms', text: LOCK_ROOMS, values: [roomIds] });
        const col = <K extends keyof MessageRow>(k: K) => rows.map((r) => r[k]);
        const extras = rows.map((r) => messageExtras(r));
        const reply = (i: number) => extras.map((e) => e.replyColumns[i]);
        const mentionIds: string[] = [];
        const mentionUsers: string[] = [];
        rows.forEach((r, i) => extras[i]!.mentionRows.forEach((u) => (mentionIds.push(r.id), mentionUsers.push(u))));
        const res = await client.query<MessagesTable>({
          name: 'chatchat_insert_many',
          text: INSERT_MANY,
          values: [
            col('roomId'),
            col('id'),
            col('senderId'),
            col('kind'),
            col('body'),
            col('clientMsgId'),
            col('now'),
            reply(0),
            reply(1),
            reply(2),
            reply(3),
            reply(4),
            reply(5),
            extras.map((e) => e.mentionsJson),
            extras.map((e) => e.mentionsAll),
            searchIndex,
            mentionIds,
            mentionUsers,
          ],
        });
        await client.query('commit');
        return res.rows;
      } catch (err) {
        await client.query('rollback').catch((e: Error) => (broken = e));
        throw err;
      }
    } finally {
      client.release(broken);
    }
  }

  return {
    async insert(rows) {
      if (rows.length !== 1) return (await insertMany(rows)).map(toMessage);
      const r = rows[0]!;
      const e = messageExtras(r);
      const res = await pool.query<MessagesTable>({
        name: 'chatchat_insert_one',
        text: INSERT_ONE,
        values: [
          r.roomId,
          r.id,
          r.senderId,
          r.kind,
          r.body,
          r.clientMsgId,
          r.now,
          ...e.replyColumns,
          e.mentionsJson,
          e.mentionsAll,
          searchIndex,
          e.mentionRows,
        ],
      });
      return res.rows.map(toMessage);
    },

    async findSent(keys) {
      const res = await pool.query<MessagesTable>({
        name: 'chatchat_find_sent',
        text: FIND_SENT,
        values: [keys.map((k) => k.senderId), keys.map((k) => k.clientMsgId)],
      });
      return res.rows.map(toMessage);
    },

    explain(err) {
      if (isForeignKeyViolation(err)) return 'unknown-sender';
      return isUniqueViolation(err, 'messages_sender_client_msg_uq') ? 'duplicate' : undefined;
    },
  };
}
