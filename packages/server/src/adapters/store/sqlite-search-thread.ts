import Sqlite from 'better-sqlite3';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { attachSearchFile, createSqliteIndexPass, ensureSearchSchema } from './sqlite-search-index.js';

/**
 * The SQLite indexer's thread (see sqlite-search-indexer.ts): its own connection to the chat
 * database (read only here) with the index file attached. It follows the backlog on its own, so it
 * needs nothing from the main thread's event loop, which a burst of sends may keep busy for long;
 * a `pass` message runs a pass at once and is answered, in order.
 */
export interface ThreadData {
  file: string;
  searchFile: string;
  batchSize: number;
}
export type ToThread = { type: 'pass' } | { type: 'close' };
export type FromThread =
  | { type: 'passed'; indexed: number; watermark: number }
  | { type: 'failed'; message: string }
  /** Now and then: how far the index is, so the main thread can drop the backlog rows indexed. */
  | { type: 'progress'; watermark: number }
  | { type: 'closed' };

// A look at the backlog this often: the index's lag when no one searches. Not sooner: a batch
// indexes the more cheaply the more rows it takes (5,000 rows in one transaction index about
// 1.6 times as fast as 1,000, measured), and a search catches up itself anyway.
const PASS_EVERY_MS = 200;
const PROGRESS_MS = 250;

/**
 * Requests come first: on a busy machine this thread gets a smaller share of the CPU (Linux: nice
 * 5 on this thread alone, about a third of a normal thread's share), so a burst of sends is slowed
 * less and indexed during and after it; a search meanwhile waits for what is pending. On a machine
 * with a core to spare it makes no difference. Elsewhere it runs at normal priority.
 */
function yieldToRequests() {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(tid) && tid > 0) setPriority(tid, 5);
  } catch {
    // Not Linux, or not allowed: normal priority.
  }
}
yieldToRequests();

const port = parentPort!;
const { file, searchFile, batchSize } = workerData as ThreadData;
const post = (m: FromThread) => port.postMessage(m);

const sqlite = new Sqlite(file);
sqlite.pragma('busy_timeout = 5000');
attachSearchFile(sqlite, searchFile);
ensureSearchSchema(sqlite);
const pass = createSqliteIndexPass(sqlite, batchSize);
let closed = false;
let cancel: (() => void) | undefined;
let reported = 0;
let reportedAt = 0;

function report(watermark: number) {
  if (watermark <= reported || Date.now() - reportedAt < PROGRESS_MS) return;
  reported = watermark;
  reportedAt = Date.now();
  post({ type: 'progress', watermark });
}

function poll() {
  cancel = undefined;
  if (closed) return;
  try {
    report(pass().watermark);
  } catch {
    // Busy or failing: the next look retries; a search's own pass reports the error.
  }
  const next = setTimeout(poll, PASS_EVERY_MS);
  cancel = () => clearTimeout(next);
}
poll();

port.on('message', (m: ToThread) => {
  if (m.type === 'close') {
    closed = true;
    cancel?.();
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
