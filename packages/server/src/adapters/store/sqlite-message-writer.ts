import type { Message } from '@chatchat/protocol';
import type BetterSqlite3 from 'better-sqlite3';
import { timeOrderedId } from './time-ordered-id.js';
import type { Kysely } from 'kysely';
import { notFound } from '../../errors.js';
import type { NewMessage } from '../../ports/store.js';
import { isForeignKeyViolation } from './db-errors.js';
import type { MessageWriter } from './message-writer.js';
import { messageExtras, newMessageFields } from './conversation-rows.js';
import { sqliteSearchText } from './search-documents.js';
import { toMessage } from './row-mappers.js';
import type { Database, MessagesTable } from './schema.js';

export interface SqliteMessageWriterOptions {
  sqlite: BetterSqlite3.Database;
  /** The Kysely instance on the same connection; its connection lock fences our batches. */
  db: Kysely<Database>;
  /** Most inserts written in one transaction. */
  maxBatch?: number;
}

type Result = { message: Message; duplicate: boolean };
interface Pending {
  input: NewMessage;
  resolve: (r: Result) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit: inserts that arrive in the same tick are written in one transaction
 * with prepared statements; the commit (not each row) is the expensive part of a write.
 * If any send in a batch fails, the batch is redone with a savepoint per send so that
 * the failure reaches only its own caller.
 */
export function createSqliteMessageWriter({ sqlite, db, maxBatch = 512 }: SqliteMessageWriterOptions): MessageWriter {
  let queue: Pending[] = [];
  let scheduled = false;
  let running = 0;
  const idleWaiters: Array<() => void> = [];
  let write: ((input: NewMessage) => Result) | undefined;
  let writeAll: ((batch: Pending[]) => Array<{ ok: true; r: Result } | { ok: false; e: unknown }>) | undefined;

  // Prepared on first use: the tables exist only after migrate().
  function prepare() {
    const findDuplicate = sqlite.prepare<[string, string], MessagesTable>(
      'select * from messages where sender_id = ? and client_msg_id = ?',
    );
    const nextSeq = sqlite
      .prepare<[string, string, string], number>(
        `update rooms set last_seq = last_seq + 1 where id = ?
         and exists (select 1 from members where room_id = ? and user_id = ? and left_at is null)
         returning last_seq`,
      )
      .pluck();
    const insert = sqlite.prepare(
      `insert into messages (room_id, seq, id, sender_id, kind, body, client_msg_id, created_at, edited_at, deleted_at,
         reply_to_id, reply_to_seq, reply_to_sender_id, reply_to_excerpt, reply_to_edited, reply_to_deleted,
         mentions, mentions_all, search_id)
       values (?, ?, ?, ?, ?, ?, ?, ?, null, null, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const indexSearch = sqlite.prepare<[string, string, number]>('insert into message_search (tokens, room_id, seq) values (?, ?, ?)');
    const insertMention = sqlite.prepare('insert or ignore into mentions (room_id, user_id, seq) values (?, ?, ?)');
    const movePointer = sqlite.prepare(
      'update members set last_read_seq = ? where room_id = ? and user_id = ? and last_read_seq < ?',
    );
    const one = (input: NewMessage): Result => {
      if (input.clientMsgId !== null) {
        const dup = findDuplicate.get(input.senderId, input.clientMsgId);
        if (dup) return { message: toMessage(dup), duplicate: true };
      }
      // The membership check rides on the seq bump: no separate read per send.
      const seq = nextSeq.get(input.roomId, input.roomId, input.senderId);
      if (seq === undefined) throw notFound('room');
      const message: Message = {
        id: timeOrderedId(),
        roomId: input.roomId,
        seq,
        senderId: input.senderId,
        kind: input.kind,
        body: input.body,
        clientMsgId: input.clientMsgId,
        createdAt: input.now,
        editedAt: null,
        deletedAt: null,
        ...newMessageFields(input),
      };
      const extras = messageExtras(input);
      const searchId = extras.tokens.length > 0
        ? Number(indexSearch.run(sqliteSearchText(extras.tokens), input.roomId, seq).lastInsertRowid)
        : null;
      try {
        insert.run(
          input.roomId, seq, message.id, input.senderId, input.kind, input.body, input.clientMsgId, input.now,
          ...extras.replyColumns, extras.mentionsJson, extras.mentionsAll, searchId,
        );
      } catch (err) {
        if (isForeignKeyViolation(err)) throw notFound('user');
        throw err;
      }
      movePointer.run(seq, input.roomId, input.senderId, seq);
      for (const userId of extras.mentionRows) insertMention.run(input.roomId, userId, seq);
      return { message, duplicate: false };
    };
    // Inside the batch transaction this is a savepoint; alone it is a transaction.
    const guarded = sqlite.transaction(one);
    write = guarded;
    // The common case pays for no savepoints: every send in the batch goes through.
    const optimistic = sqlite.transaction((batch: Pending[]) => batch.map((p) => ({ ok: true as const, r: one(p.input) }))).immediate;
    const careful = sqlite.transaction((batch: Pending[]) =>
      batch.map((p) => {
        try {
          return { ok: true as const, r: guarded(p.input) };
        } catch (e) {
          return { ok: false as const, e };
        }
      }),
    ).immediate;
    writeAll = (batch) => {
      try {
        return optimistic(batch);
      } catch {
        // Something in the batch failed and the whole of it rolled back; isolate it.
        return careful(batch);
      }
    };
  }

  function runBatch(batch: Pending[]) {
    if (!write || !writeAll) prepare();
    let outcomes;
    try {
      outcomes = writeAll!(batch);
    } catch {
      // The batch as a whole failed (e.g. the commit): retry one by one so each caller
      // gets its own verdict.
      outcomes = batch.map((p) => {
        try {
          return { ok: true as const, r: write!(p.input) };
        } catch (e) {
          return { ok: false as const, e };
        }
      });
    }
    outcomes.forEach((o, i) => {
      const p = batch[i]!;
      if (o.ok) p.resolve(o.r);
      else p.reject(o.e);
    });
  }

  async function flush() {
    scheduled = false;
    const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
    queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
    if (queue.length > 0) schedule();
    running++;
    try {
      // Holding Kysely's connection guarantees no Kysely transaction is open on this
      // connection, so our writes never join (and die with) someone else's transaction.
      await db.connection().execute(async () => runBatch(batch));
    } catch (e) {
      for (const p of batch) p.reject(e);
    } finally {
      running--;
      if (running === 0 && queue.length === 0) idleWaiters.splice(0).forEach((w) => w());
    }
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    setImmediate(() => void flush());
  }

  return {
    insert(input) {
      return new Promise<Result>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        schedule();
      });
    },
    async close() {
      if (running === 0 && queue.length === 0) return;
      await new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
  };
}
