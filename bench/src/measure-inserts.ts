/**
 * Measures Store.insertMessage, the hot path: acknowledged inserts per second and
 * latency percentiles with many concurrent callers spread over many rooms.
 *
 *   npx tsx bench/src/measure-inserts.ts [sqlite|postgres|both]
 *     [--messages 20000] [--rooms 100] [--concurrency 64] [--pool 16]
 *
 * PostgreSQL runs in a fresh throwaway database on postgres://postgres@127.0.0.1:5432.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RoomRecord, Store, UserRecord } from '../../packages/server/src/ports/store.js';
import { createTestDatabase } from '../../packages/server/src/testing/pg-database.js';
import { createStore } from '../../packages/server/src/adapters/store/index.js';

interface Params {
  messages: number;
  rooms: number;
  concurrency: number;
  pool: number;
}

function parseArgs(argv: string[]): { dialects: Array<'sqlite' | 'postgres'>; params: Params } {
  const params: Params = { messages: 20_000, rooms: 100, concurrency: 64, pool: 16 };
  let which = 'both';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const key = a.slice(2) as keyof Params;
      if (!(key in params)) throw new Error(`unknown option ${a}`);
      params[key] = Number(argv[++i]);
    } else which = a;
  }
  const dialects = which === 'both' ? (['sqlite', 'postgres'] as const) : [which as 'sqlite' | 'postgres'];
  return { dialects: [...dialects], params };
}

async function seed(store: Store, rooms: number): Promise<Array<{ room: RoomRecord; members: UserRecord[] }>> {
  const now = new Date().toISOString();
  const users: UserRecord[] = [];
  for (let i = 0; i < rooms * 2; i++) {
    users.push(await store.createUser({ username: `bench_${i}`, displayName: `Bench ${i}`, passwordHash: 'x', now }));
  }
  const out = [];
  for (let r = 0; r < rooms; r++) {
    // Five members a room, overlapping neighbours, like a small team chat.
    const members = Array.from({ length: 5 }, (_, k) => users[(r * 2 + k) % users.length]!);
    const room = await store.createRoom({
      kind: 'group',
      name: `room ${r}`,
      creatorId: members[0]!.id,
      memberIds: members.map((m) => m.id),
      now,
    });
    out.push({ room, members });
  }
  return out;
}

async function run(store: Store, p: Params) {
  const rooms = await seed(store, p.rooms);
  // Warm-up: prepared statements, pool connections, JIT.
  await Promise.all(
    rooms.map(({ room, members }) =>
      store.insertMessage({
        roomId: room.id,
        senderId: members[0]!.id,
        kind: 'text',
        body: 'warm-up',
        clientMsgId: null,
        now: new Date().toISOString(),
      }),
    ),
  );

  const latencies = new Float64Array(p.messages);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: p.concurrency }, async () => {
      for (let i = next++; i < p.messages; i = next++) {
        const { room, members } = rooms[i % rooms.length]!;
        const t0 = performance.now();
        await store.insertMessage({
          roomId: room.id,
          senderId: members[i % members.length]!.id,
          kind: 'text',
          body: `message number ${i} with a little bit of text in it`,
          clientMsgId: `c-${i}`,
          now: new Date().toISOString(),
        });
        latencies[i] = performance.now() - t0;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;

  let stored = 0;
  for (const { room } of rooms) stored += (await store.getRoom(room.id))!.lastSeq;
  if (stored !== p.messages + rooms.length) throw new Error(`expected ${p.messages + rooms.length} messages, rooms say ${stored}`);

  const sorted = Array.from(latencies).sort((a, b) => a - b);
  const pct = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { rate: p.messages / elapsed, elapsed, p50: pct(0.5), p99: pct(0.99), max: sorted[sorted.length - 1]! };
}

async function measure(dialect: 'sqlite' | 'postgres', p: Params) {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'chatchat-measure-'));
    const store = await createStore({ kind: 'sqlite', file: join(dir, 'chat.db') });
    try {
      await store.migrate();
      return await run(store, p);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const database = await createTestDatabase();
  const store = await createStore({ kind: 'postgres', url: database.url, poolSize: p.pool });
  try {
    await store.migrate();
    return await run(store, p);
  } finally {
    await store.close();
    await database.drop();
  }
}

const { dialects, params } = parseArgs(process.argv.slice(2));
console.log(`${params.messages} messages, ${params.rooms} rooms, ${params.concurrency} concurrent callers (pg pool ${params.pool})`);
for (const d of dialects) {
  const r = await measure(d, params);
  console.log(
    `${d.padEnd(8)} ${Math.round(r.rate).toString().padStart(7)} inserts/s  ` +
      `p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  max ${r.max.toFixed(2)} ms  (${r.elapsed.toFixed(2)} s)`,
  );
}
