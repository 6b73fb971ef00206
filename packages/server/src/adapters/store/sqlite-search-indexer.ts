import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Database } from './schema.js';
import { coalescedPasses, type SearchIndexer } from './search-indexer.js';
import {
  attachSearchFile,
  createSqliteIndexPass,
  ensureSearchSchema,
  moveLegacyIndex,
  requeueIndexedMessages,
  type IndexPass,
} from './sqlite-search-index.js';
import type { FromThread, ThreadData, ToThread } from './sqlite-search-thread.js';

export interface SqliteSearchIndexerOptions {
  /** The store's connection and its Kysely instance (whose connection lock fences our writes). */
  sqlite: BetterSqlite3.Database;
  db: Kysely<Database>;
  /** The index file; `:memory:` (a store in memory) indexes inline on the store's connection. */
  searchFile: string;
  batchSize?: number;
}

// Rows indexed are dropped from the backlog at most this often: one small commit.
const PRUNE_EVERY_MS = 1000;

// Plain CommonJS (an eval'd worker gets no TypeScript loader): from the sources, the thread's
// TypeScript is loaded through tsx; from the bundle (scripts/build-server.mjs), its compiled twin.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
if (workerData.tsx) require(workerData.tsx).require(workerData.entry, workerData.entry);
else import(workerData.entryUrl);
`;

function threadEntry(): { entry: string; entryUrl: string; tsx?: string } {
  const fromSources = import.meta.url.endsWith('.ts');
  const url = new URL(fromSources ? './sqlite-search-thread.ts' : './sqlite-search-thread.js', import.meta.url);
  return {
    entry: fileURLToPath(url),
    entryUrl: url.href,
    ...(fromSources ? { tsx: createRequire(import.meta.url).resolve('tsx/cjs/api') } : {}),
  };
}

/**
 * The SQLite indexer (see sqlite-search-index.ts): on a worker thread with its own connection,
 * so tokenizing and FTS5 writes take no time from the thread that serves requests. It starts
 * after migrations (or at the first search, for a store opened without migrating) and then
 * follows the backlog on its own. In memory it runs inline, at each search.
 */
export function createSqliteSearchIndexer({ sqlite, db, searchFile, batchSize = 5000 }: SqliteSearchIndexerOptions): SearchIndexer {
  const inline = searchFile === ':memory:';
  if (inline) {
    attachSearchFile(sqlite, searchFile);
    ensureSearchSchema(sqlite);
  }
  let closed = false;
  let lastPruned = 0;
  let prunedAt = 0;
  let pruning: Promise<unknown> = Promise.resolve();
  let thread: ReturnType<typeof startThread> | undefined;
  let inlinePass: (() => IndexPass) | undefined;

  function prune(watermark: number) {
    if (watermark <= lastPruned || Date.now() - prunedAt < PRUNE_EVERY_MS || closed) return;
    prunedAt = Date.now();
    lastPruned = watermark;
    pruning = db
      .deleteFrom('search_backlog')
      .where('id', '<=', watermark)
      .execute()
      .catch(() => (lastPruned = 0));
  }

  async function waiting(watermark: number): Promise<number> {
    const row = await db
      .selectFrom('search_backlog')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('id', '>', watermark)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  const ensureThread = () => {
    thread ??= startThread({ file: sqlite.name, searchFile, batchSize }, prune, () => (thread = undefined));
    return thread;
  };

  const pass = coalescedPasses(async () => {
    if (closed) throw new Error('store is closed');
    let result: IndexPass;
    if (inline) {
      result = await db.connection().execute(async () => {
        inlinePass ??= createSqliteIndexPass(sqlite, batchSize);
        return inlinePass();
      });
    } else {
      result = await ensureThread().pass();
    }
    prune(result.watermark);
    return result.watermark;
  });

  return {
    catchUp: async () => waiting(await pass()),
    async migrated() {
      if (inline) {
        await db.connection().execute(async () => moveLegacyIndex(sqlite));
        return;
      }
      if (closed) return;
      // Its own connection: the store's must never have the index file attached (its
      // immediate transactions would then take the index file's lock too).
      const { default: Sqlite } = await import('better-sqlite3');
      const conn = new Sqlite(sqlite.name);
      try {
        conn.pragma('busy_timeout = 5000');
        attachSearchFile(conn, searchFile);
        const fresh = ensureSearchSchema(conn);
        if (!moveLegacyIndex(conn) && fresh) requeueIndexedMessages(conn);
      } finally {
        conn.close();
      }
      // From now on the thread keeps the index up to date on its own.
      ensureThread();
    },
    async close() {
      closed = true;
      // Lets a pass under way finish (its callers get their answer) before the thread goes.
      await pass().catch(() => {});
      await pruning;
      await thread?.close();
    },
  };
}

function startThread(data: ThreadData, onProgress: (watermark: number) => void, onExit: () => void) {
  const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { ...data, ...threadEntry() } });
  // The thread is asked for work and closed by the store; it alone never keeps the process up.
  worker.unref();
  const waiters: Array<{ resolve: (p: IndexPass) => void; reject: (e: Error) => void }> = [];
  let failure: Error | undefined;
  const failAll = (err: Error) => {
    failure = err;
    for (const w of waiters.splice(0)) w.reject(err);
  };
  let onClosed: (() => void) | undefined;
  worker.on('message', (m: FromThread) => {
    if (m.type === 'passed') waiters.shift()?.resolve(m);
    else if (m.type === 'progress') onProgress(m.watermark);
    else if (m.type === 'failed') waiters.shift()?.reject(new Error(`search indexer: ${m.message}`));
    else if (m.type === 'closed') onClosed?.();
  });
  worker.on('error', (err) => failAll(err));
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      failAll(failure ?? new Error('search indexer thread exited'));
      onExit();
      resolve();
    }),
  );
  const send = (m: ToThread) => worker.postMessage(m);
  return {
    pass() {
      if (failure) return Promise.reject(failure);
      return new Promise<IndexPass>((resolve, reject) => {
        waiters.push({ resolve, reject });
        send({ type: 'pass' });
      });
    },
    async close() {
      if (!failure) {
        const closed = new Promise<void>((resolve) => (onClosed = resolve));
        send({ type: 'close' });
        await Promise.race([closed, exited]);
      }
      await worker.terminate();
      await exited;
    },
  };
}
