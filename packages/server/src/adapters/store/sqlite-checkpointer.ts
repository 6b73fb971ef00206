import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

export interface SqliteCheckpointerOptions {
  /** The database file (WAL mode). */
  file: string;
  intervalMs?: number;
}

// Plain CommonJS: an eval'd worker gets no TypeScript loader.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('synchronous = NORMAL');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: next round */ }
}, workerData.intervalMs);
parentPort.on('message', (msg) => {
  if (msg !== 'close') return;
  clearInterval(timer);
  db.close();
  parentPort.postMessage('closed');
});
`;

/**
 * Copies WAL pages back into the database file from a worker thread. A checkpoint
 * writes pages and fsyncs; done on the main thread (SQLite's auto-checkpoint) it stalls
 * every request for its duration. PASSIVE never blocks the writer. The main connection
 * keeps a large auto-checkpoint threshold as a backstop, which then finds little left
 * to copy.
 */
export function startSqliteCheckpointer({ file, intervalMs = 200 }: SqliteCheckpointerOptions): { close(): Promise<void> } {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, intervalMs } });
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  // A worker that fails to open the file only costs the main thread its checkpoints.
  worker.on('error', () => {});
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => worker.once('message', () => resolve()));
        worker.postMessage('close');
        await Promise.race([closed, exited]);
        await worker.terminate();
      })();
      return closing;
    },
  };
}
