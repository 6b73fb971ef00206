/**
 * bench:search — what issue 12's conversation features cost:
 *  1. search latency p50/p99 over N messages (default 1,000,000) in 100 rooms, SQLite and
 *     PostgreSQL, one room and all 100 rooms, for several kinds of query;
 *  2. committed messages/s through Store.insertMessage with the search index on and off
 *     (same process, rounds interleaved, medians);
 *  3. a reaction storm on one message of a 1,000-member room: frames and time to settle.
 * Data is built with bulk inserts (the shared tokenizer, straight SQL), bounded by --build-s.
 *
 *   npx tsx bench/src/search/search-bench.ts [--messages N] [--build-s S] [--stores sqlite,postgres]
 *        [--insert-s S] [--rounds N] [--members N] [--reactors N] [--out DIR]
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Sqlite from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { indexTokens, queryTerms } from '../../../packages/server/src/features/search/search-tokenizer.js';
import { postgresTsvector, sqliteSearchText } from '../../../packages/server/src/adapters/store/search-documents.js';
import { createStore } from '../../../packages/server/src/adapters/store/index.js';
import { searchIndexJob } from '../../../packages/server/src/worker/search-jobs.js';
import type { Store } from '../../../packages/server/src/ports/store.js';
import { runReactionStorm, type StormResult } from './reaction-storm.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '1000000' },
    'build-s': { type: 'string', default: '300' },
    stores: { type: 'string', default: 'sqlite,postgres' },
    'insert-s': { type: 'string', default: '6' },
    rounds: { type: 'string', default: '3' },
    members: { type: 'string', default: '1000' },
    reactors: { type: 'string', default: '300' },
    queries: { type: 'string', default: '100' },
    skip: { type: 'string', default: '' },
    out: { type: 'string', default: 'bench/results' },
  },
});
const N = Number(values.messages);
const buildBudgetMs = Number(values['build-s']) * 1000;
const stores = values.stores!.split(',') as Array<'sqlite' | 'postgres'>;
const skip = new Set(values.skip!.split(',').filter(Boolean));
const ROOMS = 100;
const PG_ADMIN = 'postgres://postgres@127.0.0.1:5432/test';

// ---- data ----

/** Deterministic PRNG so runs are comparable. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}
const rand = rng(42);
const hangul = (n: number) => Array.from({ length: n }, () => String.fromCharCode(0xac00 + Math.floor(rand() * 2000))).join('');
// A Zipf-like vocabulary: a few very common words, many rare ones.
const english = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}${'abcdefghij'[i % 10]}`);
const korean = Array.from({ length: 3000 }, () => hangul(2 + Math.floor(rand() * 3)));
const fixedWords = ['meeting', 'deploy', 'release', 'lunch', 'Café', '회의실에서', '붉은여우는', '배포는', '점심'];
function pick<T>(list: readonly T[]): T {
  return list[Math.floor(list.length * rand() ** 3)]!;
}
function body(): string {
  const words: string[] = [];
  const n = 6 + Math.floor(rand() * 14);
  for (let i = 0; i < n; i++) {
    const r = rand();
    words.push(
      r < 0.05
        ? fixedWords[Math.floor(rand() * fixedWords.length)]!
        : r < 0.55
          ? pick(english)
          : pick(korean) + (rand() < 0.5 ? '는' : '에서'),
    );
  }
  return words.join(' ');
}

const queries: Array<{ label: string; q: string }> = [
  { label: 'common English word', q: english[0]! },
  { label: 'rare English word', q: english[4000]! },
  { label: 'English prefix', q: 'w1' },
  { label: 'two words', q: `${english[1]} ${english[2]}` },
  { label: 'Korean two syllables (in compounds)', q: '회의' },
  { label: 'Korean inside a word', q: '여우' },
  { label: 'Korean rare', q: korean[2500]!.slice(0, 2) },
  { label: 'no match', q: 'zzzznotthere' },
];

interface Dataset {
  userId: string;
  roomIds: string[];
  built: number;
  buildMs: number;
}

async function setUp(store: Store): Promise<{ userId: string; roomIds: string[] }> {
  await store.migrate();
  const now = new Date().toISOString();
  const user = await store.createUser({ username: `reader_${Date.now()}`, displayName: 'Reader', passwordHash: 'x', now });
  const roomIds: string[] = [];
  for (let i = 0; i < ROOMS; i++)
    roomIds.push((await store.createRoom({ kind: 'group', name: `r${i}`, creatorId: user.id, memberIds: [], now })).id);
  return { userId: user.id, roomIds };
}

function buildSqlite(file: string, userId: string, roomIds: string[]): { built: number; buildMs: number } {
  const db = new Sqlite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  // The index lives in a file of its own (see sqlite-search-index.ts), written here directly.
  db.prepare('attach database ? as search').run(`${file}-search`);
  db.pragma('search.synchronous = OFF');
  const insertMsg =
    db.prepare(`insert into messages (room_id, seq, id, sender_id, kind, body, client_msg_id, created_at, search_id, mentions_all)
    values (?, ?, ?, ?, 'text', ?, null, ?, ?, 0)`);
  const insertFts = db.prepare('insert into search.message_search (tokens, room_id, seq) values (?, ?, ?)');
  const started = Date.now();
  let built = 0;
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const chunk = db.transaction((n: number) => {
    for (let i = 0; i < n; i++, built++) {
      const room = roomIds[built % ROOMS]!;
      const seq = Math.floor(built / ROOMS) + 1;
      const text = body();
      const sid = Number(insertFts.run(sqliteSearchText(indexTokens(text)), room, seq).lastInsertRowid);
      insertMsg.run(room, seq, `b${built.toString(36).padStart(8, '0')}`, userId, text, new Date(t0 + built * 10).toISOString(), sid);
    }
  });
  while (built < N && Date.now() - started < buildBudgetMs) chunk(Math.min(20_000, N - built));
  const perRoom = Math.ceil(built / ROOMS);
  db.prepare('update rooms set last_seq = ?').run(perRoom);
  // Later sends' backlog ids (their index rowids) continue above the ones written here.
  db.prepare(
    "update sqlite_sequence set seq = max(seq, (select max(rowid) from search.message_search)) where name = 'search_backlog'",
  ).run();
  db.close();
  return { built, buildMs: Date.now() - started };
}

async function buildPostgres(url: string, userId: string, roomIds: string[]): Promise<{ built: number; buildMs: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = Date.now();
  let built = 0;
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  try {
    await client.query('set synchronous_commit = off');
    // Bulk load first, GIN index after (the way to load a big table; counted in the build time).
    await client.query('drop index message_search_tokens_idx');
    while (built < N && Date.now() - started < buildBudgetMs) {
      const n = Math.min(5_000, N - built);
      const cols: string[][] = [[], [], [], [], [], []];
      for (let i = 0; i < n; i++, built++) {
        const text = body();
        cols[0]!.push(roomIds[built % ROOMS]!);
        cols[1]!.push(String(Math.floor(built / ROOMS) + 1));
        cols[2]!.push(`b${built.toString(36).padStart(8, '0')}`);
        cols[3]!.push(text);
        cols[4]!.push(new Date(t0 + built * 10).toISOString());
        cols[5]!.push(postgresTsvector(indexTokens(text)));
      }
      await client.query(
        `with i as (select * from unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[])
          as t(room_id, seq, id, body, created_at, tokens)),
        m as (insert into messages (room_id, seq, id, sender_id, kind, body, client_msg_id, created_at, mentions_all)
          select room_id, seq, id, $7, 'text', body, null, created_at, 0 from i)
        insert into message_search (room_id, seq, tokens) select room_id, seq, tokens::tsvector from i`,
        [...cols, userId],
      );
    }
    await client.query('create index message_search_tokens_idx on message_search using gin (tokens)');
    await client.query('update rooms set last_seq = $1', [Math.ceil(built / ROOMS)]);
    await client.query('analyze');
  } finally {
    await client.end();
  }
  return { built, buildMs: Date.now() - started };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measureSearch(store: Store, data: Dataset) {
  const rows: Array<{ label: string; scope: string; p50: number; p99: number; hits: number }> = [];
  const runs = Number(values.queries);
  for (const { label, q } of queries) {
    const terms = queryTerms(q);
    for (const scope of ['one room', `all ${ROOMS} rooms`]) {
      const times: number[] = [];
      let hits = 0;
      for (let i = 0; i < runs; i++) {
        const roomId = scope === 'one room' ? data.roomIds[i % ROOMS] : undefined;
        const t = performance.now();
        const res = await store.searchMessages({ userId: data.userId, terms, roomId, limit: 20 });
        times.push(performance.now() - t);
        hits = Math.max(hits, res.length);
      }
      times.sort((a, b) => a - b);
      rows.push({ label: `${label} (\`${q}\`)`, scope, p50: percentile(times, 50), p99: percentile(times, 99), hits });
    }
  }
  return rows;
}

/**
 * What "index on" runs is the production path: sends queue backlog rows, the indexer runs as in
 * production (SQLite: the store's own worker thread, a pass every 200 ms; PostgreSQL: the worker
 * role's search-index job in this process, as embedded PostgreSQL mode runs it). Besides committed
 * sends it measures the indexer: how far behind it is when the load stops, how fast it then
 * drains, and probe messages' time from ack to being in the index, under the load.
 */
interface InsertRun {
  store: Store;
  /** CPU ms used so far by the database server's backends serving this run (PostgreSQL), from /proc. */
  serverCpuMs?(): Promise<number>;
  /** Messages queued but not indexed yet (straight from the database). */
  lag(): Promise<number>;
  /** Ack (or commit) → in the index, in ms, of the probes taken while the load ran; call once, after it. */
  probes(): Promise<number[]>;
  stop(): Promise<void>;
  /** Started with the load, for probes that need this thread's event loop (they only take samples then). */
  probeDuring?(deadline: number): Promise<void>;
}

interface ModeRound {
  committed: number;
  msgsPerSec: number;
  indexedPerSec?: number;
  lagAtEnd?: number;
  drainPerSec?: number;
  ackToIndexedP50?: number;
  ackToIndexedP99?: number;
  probes?: number;
  /** CPU µs per committed message: this process (every thread), the SQLite indexer's thread, PostgreSQL's backends. */
  cpuUs?: number;
  indexerCpuUs?: number;
  serverCpuUs?: number;
}

async function measureInserts(open: (searchIndex: boolean, probe: boolean) => Promise<InsertRun>) {
  const seconds = Number(values['insert-s']);
  const result: Record<'on' | 'off', ModeRound[]> = { on: [], off: [] };
  // Round 0 warms up (JIT, caches) and is not counted; then on/off alternate, order swapped each round.
  const rounds = Number(values.rounds);
  let probeRound: ModeRound | undefined;
  // After them, one more "on" round with probes: watching the files every 10 ms is not free (SQLite
  // readers hold the WAL from being reset), so the rounds that count run without it.
  for (let round = 0; round <= rounds + 1; round++) {
    const probe = round === rounds + 1;
    const modes = probe ? ['on'] : round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    for (const mode of modes as Array<'on' | 'off'>) {
      const run = await open(mode === 'on', probe);
      const { store } = run;
      const now = new Date().toISOString();
      const senders = await Promise.all(
        Array.from({ length: 50 }, async (_, i) => {
          const u = await store.createUser({ username: `s${mode}${round}_${i}_${Date.now()}`, displayName: 's', passwordHash: 'x', now });
          const r = await store.createRoom({ kind: 'group', name: 'p', creatorId: u.id, memberIds: [], now });
          return { userId: u.id, roomId: r.id };
        }),
      );
      let committed = 0;
      const deadline = performance.now() + seconds * 1000;
      const started = performance.now();
      const probing = probe ? (run.probeDuring?.(deadline) ?? Promise.resolve()) : Promise.resolve();
      const cpu0 = process.cpuUsage();
      const indexer0 = indexerThreadCpuMs();
      const server0 = (await run.serverCpuMs?.()) ?? 0;
      await Promise.all(
        senders.flatMap((s) =>
          Array.from({ length: 4 }, async () => {
            while (performance.now() < deadline) {
              await store.insertMessage({
                roomId: s.roomId,
                senderId: s.userId,
                kind: 'text',
                body: body(),
                clientMsgId: null,
                now: new Date().toISOString(),
              });
              committed++;
            }
          }),
        ),
      );
      const elapsed = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const perMsg = (ms: number) => (ms * 1000) / committed;
      const r: ModeRound = {
        committed,
        msgsPerSec: committed / elapsed,
        cpuUs: perMsg((cpu.user + cpu.system) / 1000),
        indexerCpuUs: perMsg(indexerThreadCpuMs() - indexer0),
        ...(run.serverCpuMs ? { serverCpuUs: perMsg((await run.serverCpuMs()) - server0) } : {}),
      };
      await probing;
      if (mode === 'on') {
        const probes = (await run.probes()).sort((a, b) => a - b);
        const lag = await run.lag();
        const t = performance.now();
        await store.indexPendingSearch();
        const drainS = (performance.now() - t) / 1000;
        Object.assign(r, {
          lagAtEnd: lag,
          indexedPerSec: (committed - lag) / elapsed,
          drainPerSec: lag > 0 ? lag / drainS : undefined,
          ackToIndexedP50: probes.length ? percentile(probes, 50) : undefined,
          ackToIndexedP99: probes.length ? percentile(probes, 99) : undefined,
          probes: probes.length,
        });
      }
      if (probe) probeRound = r;
      else if (round > 0) result[mode].push(r);
      await run.stop();
    }
  }
  const median = (xs: Array<number | undefined>) => {
    const v = xs.filter((x): x is number => x !== undefined).sort((a, b) => a - b);
    return v.length ? v[Math.floor(v.length / 2)]! : undefined;
  };
  const of = (mode: 'on' | 'off', k: keyof ModeRound) => median(result[mode].map((x) => x[k]));
  // Each round's on and off ran back to back: their ratio drifts less with the machine's load than the medians do.
  const paired = median(result.on.map((x, i) => 1 - x.msgsPerSec / result.off[i]!.msgsPerSec))!;
  return {
    paired,
    probes: probeRound?.probes ?? 0,
    probeRoundMsgsPerSec: probeRound?.msgsPerSec,
    on: of('on', 'msgsPerSec')!,
    off: of('off', 'msgsPerSec')!,
    indexedPerSec: of('on', 'indexedPerSec'),
    lagAtEnd: of('on', 'lagAtEnd'),
    drainPerSec: of('on', 'drainPerSec'),
    ackToIndexedP50: probeRound?.ackToIndexedP50,
    ackToIndexedP99: probeRound?.ackToIndexedP99,
    cpu: Object.fromEntries(
      (['on', 'off'] as const).map((m) => [m, { process: of(m, 'cpuUs'), indexer: of(m, 'indexerCpuUs'), server: of(m, 'serverCpuUs') }]),
    ) as Record<'on' | 'off', { process?: number; indexer?: number; server?: number }>,
    rounds: result,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ticksToMs = (stat: string) => {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime + stime, in clock ticks of 10 ms (fields 14 and 15 of proc(5)).
  return (Number(f[11]) + Number(f[12])) * 10;
};

/** CPU ms of this process's threads at nice 5: the SQLite indexer's (see sqlite-search-thread.ts); Linux only. */
function indexerThreadCpuMs(): number {
  let ms = 0;
  try {
    for (const t of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16] === '5') ms += ticksToMs(stat);
    }
  } catch {
    // Not Linux.
  }
  return ms;
}

// The SQLite probe runs on a thread of its own: the senders of this benchmark run in this
// process's microtasks and keep its event loop from turning (timers would not fire) while the
// load lasts. Every 100 ms it takes the newest backlog id committed and times how long until the
// indexer's watermark passes it (commit → in the index; the ack follows the commit at once),
// looking every 10 ms (every 2 ms cost the senders about a fifth of their rate).
const SQLITE_PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { readonly: true });
db.prepare('attach database ? as search').run(workerData.searchFile);
const head = db.prepare('select max(id) from search_backlog').pluck();
const mark = db.prepare('select watermark from search.search_state where id = 1').pluck();
const lags = [];
let target, seenAt, last = 0, nextAt = performance.now();
const timer = setInterval(() => {
  const now = performance.now();
  if (target !== undefined && mark.get() >= target) { lags.push(now - seenAt); target = undefined; }
  if (target === undefined && now >= nextAt) {
    const h = head.get();
    if (h !== null && h > last) { target = h; last = h; seenAt = now; nextAt = now + 100; }
  }
}, 10);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.postMessage(lags); });
`;

/** A SQLite store as production opens it; lag and probes read the files on connections of their own. */
async function openSqliteRun(file: string, searchIndex: boolean, withProbe: boolean): Promise<InsertRun> {
  const store = await createStore({ kind: 'sqlite', file, searchIndex });
  await store.migrate();
  const reader = new Sqlite(file, { readonly: true });
  reader.prepare('attach database ? as search').run(`${file}-search`);
  const lag = reader.prepare<[], number>(
    'select count(*) from search_backlog where id > (select watermark from search.search_state where id = 1)',
  );
  const probe = withProbe
    ? new Worker(SQLITE_PROBE, {
        eval: true,
        workerData: { file, searchFile: `${file}-search`, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
      })
    : undefined;
  return {
    store,
    lag: async () => lag.pluck().get()!,
    probes: async () => {
      if (!probe) return [];
      const lags = new Promise<number[]>((resolve) => probe.once('message', resolve));
      probe.postMessage('stop');
      const out = await lags;
      await probe.terminate();
      return out;
    },
    stop: async () => {
      await probe?.terminate();
      reader.close();
      await store.close();
    },
  };
}

/** A PostgreSQL store with the worker role's search-index job running in this process. */
async function openPostgresRun(searchIndex: boolean): Promise<InsertRun> {
  const db = await pgDatabase();
  const store = await createStore({ kind: 'postgres', url: db.url, searchIndex });
  await store.migrate();
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const job = searchIndexJob(store);
  let running = true;
  const jobLoop = (async () => {
    while (running) {
      await job.run();
      await sleep(job.intervalMs);
    }
  })();
  const lags: number[] = [];
  return {
    store,
    // The server is shared with other work: only the backends connected to this run's database count.
    async serverCpuMs() {
      const { rows } = await client.query<{ pid: number }>(
        'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      );
      let ms = 0;
      for (const { pid } of rows) {
        try {
          ms += ticksToMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
        } catch {
          // Gone meanwhile.
        }
      }
      return ms;
    },
    lag: async () => Number((await client.query('select count(*)::int as n from search_backlog')).rows[0].n),
    // Sends here wait on the network, so this thread's event loop turns: a probe message every 100 ms,
    // then the index polled every 2 ms until it holds it.
    async probeDuring(deadline) {
      const u = await store.createUser({
        username: `probe_${Date.now()}`,
        displayName: 'p',
        passwordHash: 'x',
        now: new Date().toISOString(),
      });
      const room = await store.createRoom({ kind: 'group', name: 'p', creatorId: u.id, memberIds: [], now: new Date().toISOString() });
      while (performance.now() < deadline - 500) {
        const sent = await store.insertMessage({
          roomId: room.id,
          senderId: u.id,
          kind: 'text',
          body: `probe ${body()}`,
          clientMsgId: null,
          now: new Date().toISOString(),
        });
        const acked = performance.now();
        const inIndex = async () =>
          (await client.query('select 1 from message_search where room_id = $1 and seq = $2', [room.id, sent.message.seq])).rowCount! > 0;
        while (!(await inIndex()) && performance.now() - acked < 10_000) await sleep(2);
        lags.push(performance.now() - acked);
        await sleep(Math.max(0, 100 - (performance.now() - acked)));
      }
    },
    probes: async () => lags,
    stop: async () => {
      running = false;
      await jobLoop;
      await client.end();
      await store.close();
      await db.drop();
    },
  };
}

async function pgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `chatchat_bench_search_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

async function main() {
  const started = new Date();
  const dir = mkdtempSync(join(tmpdir(), 'chatchat-search-bench-'));
  const sections: string[] = [];
  const json: Record<string, unknown> = { started: started.toISOString(), messages: N };
  try {
    for (const kind of stores) {
      if (!skip.has('search')) {
        console.log(`${kind}: building up to ${N.toLocaleString()} messages (budget ${buildBudgetMs / 1000} s)…`);
        let store: Store;
        let data: Dataset;
        let drop: (() => Promise<void>) | undefined;
        if (kind === 'sqlite') {
          const file = join(dir, 'search.db');
          store = await createStore({ kind: 'sqlite', file });
          const ids = await setUp(store);
          await store.close();
          const b = buildSqlite(file, ids.userId, ids.roomIds);
          data = { ...ids, ...b };
          store = await createStore({ kind: 'sqlite', file });
        } else {
          const db = await pgDatabase();
          drop = db.drop;
          store = await createStore({ kind: 'postgres', url: db.url });
          const ids = await setUp(store);
          const b = await buildPostgres(db.url, ids.userId, ids.roomIds);
          data = { ...ids, ...b };
        }
        console.log(`${kind}: built ${data.built.toLocaleString()} in ${(data.buildMs / 1000).toFixed(0)} s; measuring search…`);
        const rows = await measureSearch(store, data);
        await store.close();
        await drop?.();
        json[`search_${kind}`] = { built: data.built, buildMs: data.buildMs, rows };
        sections.push(
          `## Search latency, ${kind} (${data.built.toLocaleString()} messages in ${ROOMS} rooms, built in ${(data.buildMs / 1000).toFixed(0)} s)\n\n` +
            `Store.searchMessages, newest 20 hits, ${values.queries} runs per row (one room: rotating over the 100 rooms).\n\n` +
            '| query | scope | p50 ms | p99 ms | hits (max 20) |\n| --- | --- | --- | --- | --- |\n' +
            rows.map((r) => `| ${r.label} | ${r.scope} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.hits} |`).join('\n'),
        );
      }
      if (!skip.has('insert')) {
        console.log(`${kind}: insert throughput with and without the search index…`);
        const open = (searchIndex: boolean, probe: boolean) =>
          kind === 'sqlite'
            ? openSqliteRun(join(dir, `insert-${searchIndex}-${Date.now()}.db`), searchIndex, probe)
            : openPostgresRun(searchIndex);
        const r = await measureInserts(open);
        const loss = (1 - r.on / r.off) * 100;
        json[`insert_${kind}`] = r;
        const f = (x: number | undefined, digits = 0) => (x === undefined ? 'n/a' : x.toFixed(digits));
        sections.push(
          `## Insert throughput, ${kind}: search index on vs off\n\n` +
            `Store.insertMessage in one process, 50 senders (own rooms) × 4 in flight, ${values['insert-s']} s per round, ` +
            `a warm-up round, then ${values.rounds} rounds each (order alternating), medians. "on" is the production path: the send ` +
            'queues a backlog row, the indexer runs as in production (' +
            (kind === 'sqlite'
              ? "SQLite: the store's worker thread, a pass every 200 ms"
              : "PostgreSQL: the worker role's search-index job, in this process as embedded mode runs it") +
            ').\n\n| index | committed msgs/s | rounds |\n| --- | --- | --- |\n' +
            `| off | ${r.off.toFixed(0)} | ${r.rounds.off.map((x) => x.msgsPerSec.toFixed(0)).join(', ')} |\n` +
            `| on | ${r.on.toFixed(0)} | ${r.rounds.on.map((x) => x.msgsPerSec.toFixed(0)).join(', ')} |\n\n` +
            `Cost of the index: **${loss.toFixed(1)} %** fewer committed messages per second (goal < 15 %); ` +
            `median of the rounds' own on/off ratios: **${(r.paired * 100).toFixed(1)} %**.\n\n` +
            'The indexer under that load (medians of the "on" rounds):\n\n| measure | value |\n| --- | --- |\n' +
            `| messages indexed per second during the load | ${f(r.indexedPerSec)} |\n` +
            `| backlog when the load stopped (messages not yet indexed) | ${f(r.lagAtEnd)} |\n` +
            `| then drained at (messages/s, no sends competing) | ${f(r.drainPerSec)} |\n` +
            `| ack → in the index, probe every 100 ms (SQLite: commit → watermark, seen from a thread of its own every 10 ms; the next probe after the last is in), in an extra "on" round, p50 / p99, probes | ${f(r.ackToIndexedP50, 1)} / ${f(r.ackToIndexedP99, 1)} ms, ${r.probes} (that round: ${f(r.probeRoundMsgsPerSec)} msgs/s) |\n\n` +
            'A search never waits on this lag for what was acknowledged: it first indexes what is pending.\n\n' +
            'CPU per committed message (medians, µs; less sensitive to the machine being shared than msgs/s; ' +
            'backends that came and went during the round are missed):\n\n| index | this process, all threads | of it the indexer thread | PostgreSQL backends of this run |\n| --- | --- | --- | --- |\n' +
            (['off', 'on'] as const)
              .map(
                (m) =>
                  `| ${m} | ${f(r.cpu[m].process, 1)} | ${kind === 'sqlite' ? f(r.cpu[m].indexer, 1) : 'n/a'} | ${f(r.cpu[m].server, 1)} |`,
              )
              .join('\n'),
        );
      }
    }
    if (!skip.has('storm')) {
      console.log('reaction storm…');
      const storm: StormResult | undefined = await runReactionStorm({
        members: Number(values.members),
        reactors: Number(values.reactors),
      }).catch((err: unknown) => {
        // A failed part must not lose the parts already measured.
        sections.push(`## Reaction storm\n\nFailed: ${String(err)}`);
        return undefined;
      });
      if (storm) {
        json.storm = storm;
        sections.push(
          `## Reaction storm: ${storm.members.toLocaleString()}-member room, ${storm.reactors} members react to one message at once\n\n` +
            '| measure | value |\n| --- | --- |\n' +
            `| reactions committed | ${storm.reactors} |\n` +
            `| \`reaction.updated\` frames per connection (median / max) | ${storm.framesMedian} / ${storm.framesMax} |\n` +
            `| frames delivered in total | ${storm.framesTotal.toLocaleString()} (uncoalesced would be ${(storm.reactors * storm.members).toLocaleString()}) |\n` +
            `| first reaction sent → every connection shows the final count | ${storm.settleMs.toFixed(0)} ms |\n` +
            `| reaction.add ack p50 / p99 | ${storm.ackP50.toFixed(1)} / ${storm.ackP99.toFixed(1)} ms |\n\n` +
            `Server in-process (SQLite), ${storm.members} WebSocket connections in the same process; coalescing window ${storm.windowMs} ms.`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const stamp = started.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const md =
    `# ChatChat benchmark: search, reactions (issue 12)\n\n${started.toISOString()} · Node ${process.version} · load average at end ${(
      await import('node:os')
    )
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}\n\n` +
    'The machine is shared (2 cores, other engineers running tests and benchmarks): absolute figures are noisy; ratios measured in interleaved rounds hold better.\n\n' +
    sections.join('\n\n') +
    '\n';
  mkdirSync(values.out!, { recursive: true });
  writeFileSync(join(values.out!, `search-${stamp}.md`), md);
  writeFileSync(join(values.out!, `search-${stamp}.json`), JSON.stringify(json, null, 2));
  console.log(md);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
