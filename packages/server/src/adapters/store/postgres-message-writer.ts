import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { notFound } from '../../errors.js';
import type { MessageWriter } from './message-writer.js';
import { isForeignKeyViolation, isUniqueViolation } from './db-errors.js';
import { toMessage } from './row-mappers.js';
import type { MessagesTable } from './schema.js';

/**
 * One statement, one round trip, autocommitted: bump the room's seq (the row lock
 * serialises writers of a room until commit, so seqs are gap-free), insert the
 * message, and move the sender's read pointer forward.
 */
const INSERT_MESSAGE = `
with r as (
  update rooms set last_seq = last_seq + 1 where id = $1 returning id, last_seq
), m as (
  insert into messages (room_id, seq, id, sender_id, kind, body, client_msg_id, created_at)
  select r.id, r.last_seq, $2, $3, $4, $5, $6, $7 from r
  returning *
), p as (
  update members set last_read_seq = m.seq from m
  where members.room_id = m.room_id and members.user_id = m.sender_id and members.last_read_seq < m.seq
)
select * from m`;

const FIND_DUPLICATE = 'select * from messages where sender_id = $1 and client_msg_id = $2';

export function createPostgresMessageWriter({ pool }: { pool: pg.Pool }): MessageWriter {
  const findDuplicate = async (senderId: string, clientMsgId: string) => {
    const res = await pool.query<MessagesTable>({ name: 'chatchat_find_duplicate', text: FIND_DUPLICATE, values: [senderId, clientMsgId] });
    return res.rows[0];
  };

  return {
    async insert(input) {
      // Named statements are prepared once per connection: the hot path skips parsing.
      let res: pg.QueryResult<MessagesTable>;
      try {
        res = await pool.query<MessagesTable>({
          name: 'chatchat_insert_message',
          text: INSERT_MESSAGE,
          values: [input.roomId, randomUUID(), input.senderId, input.kind, input.body, input.clientMsgId, input.now],
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
      if (!row) {
        // Like SQLite, a retry is recognised even when it names a room that is gone.
        const dup = input.clientMsgId !== null ? await findDuplicate(input.senderId, input.clientMsgId) : undefined;
        if (dup) return { message: toMessage(dup), duplicate: true };
        throw notFound('room');
      }
      return { message: toMessage(row), duplicate: false };
    },
    async close() {},
  };
}
