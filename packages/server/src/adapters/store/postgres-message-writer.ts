import type { Message } from '@chatchat/protocol';
import type pg from 'pg';
import { timeOrderedId } from './time-ordered-id.js';
import { notFound } from '../../errors.js';
import type { NewMessage } from '../../ports/store.js';
import { isForeignKeyViolation, isUniqueViolation } from './db-errors.js';
import type { MessageWriter } from './message-writer.js';
import { messageExtras, type MessageExtras } from './conversation-rows.js';
import { postgresTsvector } from './search-documents.js';
import { toMessage } from './row-mappers.js';
import type { MessagesTable } from './schema.js';

/**
 * One send, one autocommitted statement: bump the room's seq if the sender is a current
 * member (the row lock serialises writers of a room until commit, so seqs are gap-free),
 * insert the message, and move the sender's read pointer forward.
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
  insert into message_search (room_id, seq, tokens)
  select m.room_id, m.seq, $16::text::tsvector from m where $16::text is not null
), x as (
  insert into mentions (room_id, user_id, seq) select m.room_id, u.user_id, m.seq from m, unnest($17::text[]) as u(user_id)
  on conflict do nothing
)
select * from m`;

/**
 * Many sends in one statement: each room's seq moves by the number of its new messages,
 * which are numbered in arrival order. Retries already stored are left out here and
 * answered afterwards from the stored rows.
 */
const INSERT_MANY = `
with input as (
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
      $8::text[], $9::int[], $10::text[], $11::text[], $12::int[], $13::int[], $14::text[], $15::int[], $16::text[])
    with ordinality as t(room_id, id, sender_id, kind, body, client_msg_id, created_at,
      reply_to_id, reply_to_seq, reply_to_sender_id, reply_to_excerpt, reply_to_edited, reply_to_deleted, mentions, mentions_all,
      tokens, ord)
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
  select f.room_id, (b.base + row_number() over (partition by f.room_id order by f.ord))::int,
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
  insert into message_search (room_id, seq, tokens)
  select m.room_id, m.seq, f.tokens::tsvector from m join fresh f on f.id = m.id where f.tokens is not null
), x as (
  insert into mentions (room_id, user_id, seq)
  select m.room_id, mu.user_id, m.seq from m join unnest($17::text[], $18::text[]) as mu(id, user_id) on mu.id = m.id
  on conflict do nothing
)
select * from m`;

/** Rooms are locked in one global order so that concurrent batches never deadlock. */
const LOCK_ROOMS = 'select id from rooms where id = any($1::text[]) order by id for update';

const FIND_DUPLICATE = 'select * from messages where sender_id = $1 and client_msg_id = $2';
const FIND_DUPLICATES = `
select m.* from messages m
join unnest($1::text[], $2::text[]) as k(sender_id, client_msg_id)
  on m.sender_id = k.sender_id and m.client_msg_id = k.client_msg_id`;

export interface PostgresMessageWriterOptions {
  pool: pg.Pool;
  /** Most sends written in one transaction. */
  maxBatch?: number;
  /**
   * Batches in flight at once. Concurrent batches nearly always share a room and queue
   * on its row lock anyway; one at a time makes each batch bigger (measured faster).
   */
  maxInFlight?: number;
}

type Result = { message: Message; duplicate: boolean };
interface Pending {
  input: NewMessage;
  id: string;
  extras: MessageExtras;
  resolve: (r: Result) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: sends that queue up while earlier batches are in flight are written
 * together, one transaction and one commit (the expensive part: a WAL flush) for the
 * lot. A lone send takes the one-statement path. If a batch fails as a whole (a racing
 * retry from another process, an unknown sender), its sends are retried one by one so
 * each caller gets its own verdict.
 */
export function createPostgresMessageWriter({ pool, maxBatch = 256, maxInFlight = 1 }: PostgresMessageWriterOptions): MessageWriter {
  let queue: Pending[] = [];
  let scheduled = false;
  let inFlight = 0;
  const idleWaiters: Array<() => void> = [];

  const findDuplicate = async (senderId: string, clientMsgId: string) => {
    const res = await pool.query<MessagesTable>({ name: 'chatchat_find_duplicate', text: FIND_DUPLICATE, values: [senderId, clientMsgId] });
    return res.rows[0];
  };

  async function insertOne(input: NewMessage, id: string, extras: MessageExtras): Promise<Result> {
    let res: pg.QueryResult<MessagesTable>;
    try {
      // Named statements are prepared once per connection: the hot path skips parsing.
      res = await pool.query<MessagesTable>({
        name: 'chatchat_insert_one',
        text: INSERT_ONE,
        values: [
          input.roomId, id, input.senderId, input.kind, input.body, input.clientMsgId, input.now,
          ...extras.replyColumns, extras.mentionsJson, extras.mentionsAll,
          extras.tokens.length > 0 ? postgresTsvector(extras.tokens) : null, extras.mentionRows,
        ],
      });
    } catch (err) {
      // A retried send: the failed statement rolled back whole, so no seq was used.
      // Concurrent twins wait on the unique index and land here once the first commits.
      if (input.clientMsgId !== null && isUniqueViolation(err, 'messages_sender_client_msg_uq')) {
        const dup = await findDuplicate(input.senderId, input.clientMsgId);
        if (dup) return { message: toMessage(dup), duplicate: true };
      }
      if (isForeignKeyViolation(err)) throw notFound('user');
      throw err;
    }
    const row = res.rows[0];
    if (row) return { message: toMessage(row), duplicate: false };
    // Like SQLite, a retry is recognised even when it names a room that is gone.
    const dup = input.clientMsgId !== null ? await findDuplicate(input.senderId, input.clientMsgId) : undefined;
    if (dup) return { message: toMessage(dup), duplicate: true };
    throw notFound('room');
  }

  const settleOne = (p: Pending) => insertOne(p.input, p.id, p.extras).then(p.resolve, p.reject);

  async function writeMany(batch: Pending[]): Promise<Map<string, MessagesTable>> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      try {
        await client.query('begin');
        const roomIds = [...new Set(batch.map((p) => p.input.roomId))].sort();
        await client.query({ name: 'chatchat_lock_rooms', text: LOCK_ROOMS, values: [roomIds] });
        const col = <K extends keyof NewMessage>(k: K) => batch.map((p) => p.input[k]);
        const reply = (i: number) => batch.map((p) => p.extras.replyColumns[i]);
        const mentionIds: string[] = [];
        const mentionUsers: string[] = [];
        for (const p of batch) for (const u of p.extras.mentionRows) mentionIds.push(p.id), mentionUsers.push(u);
        const res = await client.query<MessagesTable>({
          name: 'chatchat_insert_many',
          text: INSERT_MANY,
          values: [
            col('roomId'), batch.map((p) => p.id), col('senderId'), col('kind'), col('body'), col('clientMsgId'), col('now'),
            reply(0), reply(1), reply(2), reply(3), reply(4), reply(5),
            batch.map((p) => p.extras.mentionsJson), batch.map((p) => p.extras.mentionsAll),
            batch.map((p) => (p.extras.tokens.length > 0 ? postgresTsvector(p.extras.tokens) : null)),
            mentionIds, mentionUsers,
          ],
        });
        await client.query('commit');
        return new Map(res.rows.map((r) => [r.id, r]));
      } catch (err) {
        await client.query('rollback').catch((e: Error) => (broken = e));
        throw err;
      }
    } finally {
      client.release(broken);
    }
  }

  async function runBatch(batch: Pending[]) {
    // The same retry twice in one batch: the first is written, the rest follow it.
    const leaders: Pending[] = [];
    const followers: Pending[] = [];
    const seen = new Set<string>();
    for (const p of batch) {
      const key = p.input.clientMsgId === null ? undefined : `${p.input.senderId}\u0000${p.input.clientMsgId}`;
      if (key !== undefined && seen.has(key)) followers.push(p);
      else {
        if (key !== undefined) seen.add(key);
        leaders.push(p);
      }
    }
    if (leaders.length === 1) await settleOne(leaders[0]!);
    else {
      let written: Map<string, MessagesTable> | undefined;
      try {
        written = await writeMany(leaders);
      } catch {
        await Promise.all(leaders.map(settleOne));
      }
      if (written) await settleWritten(leaders, written);
    }
    await Promise.all(followers.map(settleOne));
  }

  async function settleWritten(batch: Pending[], written: Map<string, MessagesTable>) {
    const missing: Pending[] = [];
    for (const p of batch) {
      const row = written.get(p.id);
      if (row) p.resolve({ message: toMessage(row), duplicate: false });
      else missing.push(p);
    }
    if (missing.length === 0) return;
    const retries = missing.filter((p) => p.input.clientMsgId !== null);
    const stored = new Map<string, MessagesTable>();
    try {
      if (retries.length > 0) {
        const res = await pool.query<MessagesTable>({
          name: 'chatchat_find_duplicates',
          text: FIND_DUPLICATES,
          values: [retries.map((p) => p.input.senderId), retries.map((p) => p.input.clientMsgId)],
        });
        for (const r of res.rows) stored.set(`${r.sender_id}\u0000${r.client_msg_id}`, r);
      }
    } catch (err) {
      for (const p of missing) p.reject(err);
      return;
    }
    for (const p of missing) {
      const dup = p.input.clientMsgId === null ? undefined : stored.get(`${p.input.senderId}\u0000${p.input.clientMsgId}`);
      if (dup) p.resolve({ message: toMessage(dup), duplicate: true });
      else p.reject(notFound('room'));
    }
  }

  function pump() {
    scheduled = false;
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      inFlight++;
      void runBatch(batch)
        .catch((err) => {
          for (const p of batch) p.reject(err);
        })
        .finally(() => {
          inFlight--;
          if (queue.length > 0) pump();
          else if (inFlight === 0) idleWaiters.splice(0).forEach((w) => w());
        });
    }
  }

  return {
    insert(input) {
      return new Promise<Result>((resolve, reject) => {
        queue.push({ input, id: timeOrderedId(), extras: messageExtras(input), resolve, reject });
        if (!scheduled) {
          scheduled = true;
          // Sends made in the same tick travel together.
          setImmediate(pump);
        }
      });
    },
    async close() {
      if (inFlight === 0 && queue.length === 0) return;
      await new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}
