import Sqlite from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { attachSearchFile, createSqliteIndexPass, ensureSearchSchema } from './sqlite-search-index.js';

/**
 * The SQLite indexer's thread (see sqlite-search-indexer.ts): its own connection to the chat
 * database (read only here) with the index file attached. Each `pass` message runs one pass
 * and answers with its result, in order.
 */
export interface ThreadData {
  file: string;
  searchFile: string;
  batchSize: number;
}
export type ToThread = { type: 'pass' } | { type: 'close' };
export type FromThread =
  | { type: 'ready' }
  | { type: 'passed'; indexed: number; watermark: number }
  | { type: 'failed'; message: string }
  | { type: 'closed' };

const port = parentPort!;
const { file, searchFile, batchSize } = workerData as ThreadData;
const post = (m: FromThread) => port.postMessage(m);

const sqlite = new Sqlite(file);
sqlite.pragma('busy_timeout = 5000');
attachSearchFile(sqlite, searchFile);
ensureSearchSchema(sqlite);
const pass = createSqliteIndexPass(sqlite, batchSize);
post({ type: 'ready' });

port.on('message', (m: ToThread) => {
  if (m.type === 'close') {
    sqlite.close();
    post({ type: 'closed' });
    port.close();
    return;
  }
  try {
    post({ type: 'passed', ...pass() });
  } catch (err) {
    post({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
  }
});
