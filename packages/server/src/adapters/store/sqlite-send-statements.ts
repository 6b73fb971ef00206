import type { Message } from '@chatchat/protocol';
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { isForeignKeyViolation, isUniqueViolation } from './db-errors.js';
import type { MessageRow, SendStatements } from './group-commit-writer.js';
import { toMessage } from './row-mappers.js';
import { messageExtras, newMessageFields } from './conversation-rows.js';
import type { Database, MessagesTable } from './schema.js';

export interface SqliteSendStatementsOptions {
  sqlite: BetterSqlite3.Database;
  /** The Kysely instance on the same connection; its connection lock fences our batches. */
  db: Kysely<Database>;
  /** Default true; see StoreOptions. */
  searchIndex?: boolean;
}

/**
 * A batch is one immediate transaction of prepared statements, run synchronously: the
 * commit (not each row) is the expensive part of a write.
 */
export function createSqliteSendStatements({ sqlite, db, searchIndex = true }: SqliteSendStatementsOptions): SendStatements {
  let writeAll: ((rows: readonly MessageRow[]) => Message[]) | undefined;
  let findOne: BetterSqlite3.Statement<[string, string], MessagesTable> | undefined;

  // Prepared on first use: the tables exist only after migrate().
  function prepare() {
    findOne = sqlite.prepare<[string, string], MessagesTable>('select * from messages where sender_id = ? and client_msg_id = ?');
    const isStored = sqlite.prepare<[string, string]>('select 1 from messages where sender_id = ? and client_msg_id = ?').pluck();
    // The membership check rides on the seq bump: no separate read per send.
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
    // Indexed later, off the send path (see search-indexer.ts); the backlog id is the message's place in search order.
    const queueSearch = sqlite.prepare<[string, number]>('insert into search_backlog (room_id, seq) values (?, ?)');
    const insertMention = sqlite.prepare('insert or ignore into mentions (room_id, user_id, seq) values (?, ?, ?)');
    const movePointer = sqlite.prepare('update members set last_read_seq = ? where room_id = ? and user_id = ? and last_read_seq < ?');
    writeAll = sqlite.transaction((rows: readonly MessageRow[]) => {
      const written: Message[] = [];
      for (const row of rows) {
        if (row.clientMsgId !== null && isStored.get(row.senderId, row.clientMsgId) !== undefined) continue;
        const seq = nextSeq.get(row.roomId, row.roomId, row.senderId);
        if (seq === undefined) continue;
        const extras = messageExtras(row);
        const searchId = searchIndex && row.kind === 'text' ? Number(queueSearch.run(row.roomId, seq).lastInsertRowid) : null;
        insert.run(
          row.roomId,
          seq,
          row.id,
          row.senderId,
          row.kind,
          row.body,
          row.clientMsgId,
          row.now,
          ...extras.replyColumns,
          extras.mentionsJson,
          extras.mentionsAll,
          searchId,
        );
        movePointer.run(seq, row.roomId, row.senderId, seq);
        for (const userId of extras.mentionRows) insertMention.run(row.roomId, userId, seq);
        written.push({
          id: row.id,
          roomId: row.roomId,
          seq,
          senderId: row.senderId,
          kind: row.kind,
          body: row.body,
          clientMsgId: row.clientMsgId,
          createdAt: row.now,
          editedAt: null,
          deletedAt: null,
          ...newMessageFields(row),
        });
      }
      return written;
    }).immediate;
  }

  return {
    // Holding Kysely's connection guarantees no Kysely transaction is open on it, so our
    // writes never join (and die with) someone else's transaction.
    insert: (rows) =>
      db.connection().execute(async () => {
        if (!writeAll) prepare();
        return writeAll!(rows);
      }),

    findSent: (keys) =>
      db.connection().execute(async () => {
        if (!findOne) prepare();
        return keys.flatMap((k) => {
          const row = findOne!.get(k.senderId, k.clientMsgId);
          return row ? [toMessage(row)] : [];
        });
      }),

    explain(err) {
      if (isForeignKeyViolation(err)) return 'unknown-sender';
      return isUniqueViolation(err) ? 'duplicate' : undefined;
    },
  };
}
