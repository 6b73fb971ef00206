import Sqlite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import pg from 'pg';
import type { Store } from '../../ports/store.js';
import { createKyselyStore } from './kysely-store.js';
import { createGroupCommitWriter } from './group-commit-writer.js';
import { createPostgresSendStatements } from './postgres-send-statements.js';
import type { Database } from './schema.js';
import { startSqliteCheckpointer } from './sqlite-checkpointer.js';
import { createSqliteSendStatements } from './sqlite-send-statements.js';
import { withStatementCache } from './statement-cache.js';
import { createPostgresSearchIndexer } from './postgres-search-indexer.js';
import { attachSearchFile, searchFileOf } from './sqlite-search-index.js';
import { createSqliteSearchIndexer } from './sqlite-search-indexer.js';

/**
 * `searchIndex: false` leaves new messages out of the search backlog: only for measuring what the
 * index costs (bench:search); a store opened so finds nothing sent meanwhile.
 */
type SearchIndexOption = { searchIndex?: boolean };

export type StoreOptions = SearchIndexOption &
  (
    | {
        kind: 'sqlite';
        file: string;
        /**
         * NORMAL (default): a commit survives a crash of the process, the last ones may be lost
         * on power loss. FULL: fsync per (group) commit, durable on power loss too, slower.
         */
        synchronous?: 'NORMAL' | 'FULL';
      }
    | { kind: 'postgres'; url: string; poolSize?: number; statementTimeoutMs?: number }
    /** MongoDB 6/7, AWS DocumentDB 5.0 or FerretDB 1.24 (see mongodb/mongo-store.ts). */
    | { kind: 'mongodb'; url: string; poolSize?: number }
  );

/** Opens the store; call `migrate()` before first use and `close()` at shutdown. */
export async function createStore(options: StoreOptions): Promise<Store> {
  const searchIndex = options.searchIndex ?? true;
  if (options.kind === 'sqlite') return openSqlite(options.file, options.synchronous ?? 'NORMAL', searchIndex);
  if (options.kind === 'postgres') return openPostgres(options, searchIndex);
  // Loaded only in MongoDB mode, like the Redis adapters in scale-out.
  const { createMongoStore } = await import('./mongodb/mongo-store.js');
  return createMongoStore(options);
}

function openSqlite(file: string, synchronous: 'NORMAL' | 'FULL', searchIndex: boolean): Store {
  if (file !== ':memory:' && !file.startsWith('file:')) {
    mkdirSync(dirname(resolve(file)), { recursive: true, mode: 0o700 });
    // They hold password and token hashes, and message text: owner only. SQLite gives -wal and -shm the same mode.
    for (const f of [file, searchFileOf(file)]) {
      closeSync(openSync(f, 'a', 0o600));
      chmodSync(f, 0o600);
    }
  }
  const sqlite = openSqliteConnection(file, synchronous);
  // 64 MiB of page cache: sends touch index pages all over the messages table; on a
  // 100k-message run this was about a third faster than the default 2 MiB.
  sqlite.pragma('cache_size = -65536');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  const searchFile = sqlite.memory ? ':memory:' : searchFileOf(sqlite.name);
  const indexer = createSqliteSearchIndexer({ sqlite, db, searchFile });
  // Searches read through a connection of their own with the index file attached; the store's
  // connection never attaches it (see sqlite-search-index.ts). In memory there is only the one.
  let queryDb: Kysely<Database> | undefined;
  const searchQueries = () => {
    if (sqlite.memory) return db;
    if (!queryDb) {
      const reader = openSqliteConnection(file, synchronous);
      reader.pragma('query_only = ON');
      attachSearchFile(reader, searchFile);
      queryDb = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(reader) }) });
    }
    return queryDb;
  };
  const companions = [
    // The index file is checkpointed by its one writer, the indexer's thread.
    ...(sqlite.memory ? [] : [startSqliteCheckpointer({ file: sqlite.name })]),
    { close: async () => queryDb?.destroy() },
  ];
  const statements = createSqliteSendStatements({ sqlite, db, searchIndex });
  const writer = createGroupCommitWriter({ statements, maxBatch: 512 });
  return createKyselyStore({ db, dialect: 'sqlite', writer, indexer, queryDb: searchQueries, companions });
}

function openSqliteConnection(file: string, synchronous: 'NORMAL' | 'FULL'): Sqlite.Database {
  const sqlite = new Sqlite(file);
  try {
    sqlite.pragma('journal_mode = WAL');
    // With WAL, NORMAL loses at most the last commits on power loss, never consistency.
    sqlite.pragma(`synchronous = ${synchronous}`);
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    // Checkpoints run on a worker thread; this is only the backstop (about 40 MB of WAL).
    sqlite.pragma('wal_autocheckpoint = 10000');
  } catch (err) {
    sqlite.close();
    throw err;
  }
  return sqlite;
}

/**
 * int8 (seqs, counts) as JS numbers: every one we store is at most 2^53 (the API's bound),
 * so the conversion is exact; a larger one is refused instead of silently rounded.
 */
const int8AsNumber = ((oid: number, format?: 'text' | 'binary') => {
  if (oid !== pg.types.builtins.INT8 || format === 'binary') return pg.types.getTypeParser(oid, format);
  return (text: string) => {
    const n = Number(text);
    if (!Number.isSafeInteger(n)) throw new RangeError(`int8 ${text} exceeds 2^53`);
    return n;
  };
}) as pg.CustomTypesConfig['getTypeParser'];

async function openPostgres(options: Extract<StoreOptions, { kind: 'postgres' }>, searchIndex: boolean): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: options.url,
    types: { getTypeParser: int8AsNumber },
    max: options.poolSize ?? 10,
    // Sent at connection start-up, so it applies to every connection of the pool.
    ...(options.statementTimeoutMs !== undefined ? { statement_timeout: options.statementTimeoutMs } : {}),
  });
  // An idle client that loses its server (restart, failover) is dropped by the pool and
  // replaced on next use; without a listener the 'error' event would kill the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const writer = createGroupCommitWriter({ statements: createPostgresSendStatements({ pool, searchIndex }), maxBatch: 256 });
  return createKyselyStore({ db, dialect: 'postgres', writer, indexer: createPostgresSearchIndexer({ pool }) });
}
