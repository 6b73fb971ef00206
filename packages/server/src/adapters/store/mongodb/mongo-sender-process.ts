/**
 * A separate sending process for the concurrency test: opens its own MongoDB store and
 * sends every message of its share twice at once (a client retry racing its original).
 *   node --import tsx mongo-sender-process.ts <url> <roomId> <senderId> <prefix> <count>
 * Prints one JSON line: every result it got.
 */
import { createStore } from '../index.js';

const [url, roomId, senderId, prefix, count] = process.argv.slice(2) as [string, string, string, string, string];
const store = await createStore({ kind: 'mongodb', url, poolSize: 8 });
try {
  const sends = Array.from({ length: Number(count) }, (_, i) => `${prefix}-${i}`).flatMap((clientMsgId) =>
    [0, 1].map(() =>
      store.insertMessage({ roomId, senderId, kind: 'text', body: clientMsgId, clientMsgId, now: new Date().toISOString() }),
    ),
  );
  const results = await Promise.all(sends);
  process.stdout.write(
    `${JSON.stringify(results.map((r) => ({ id: r.message.id, seq: r.message.seq, clientMsgId: r.message.clientMsgId, duplicate: r.duplicate })))}\n`,
  );
} finally {
  await store.close();
}
