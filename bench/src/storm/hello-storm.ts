/**
 * The hello path under a reconnect storm. N users, each in K rooms of S members; every hello asks
 * read pointers for R rooms (`--readers`, default 1: the room an app shows), as the SDK does, and a
 * resync asks each shown room's history after what it held (the gap fill).
 *
 * - default: all N say hello at once (C in flight) to one embedded process (SQLite) pinned to one core.
 * - `--failover`: two gateways on PostgreSQL + Redis; all N connect to the first, which is then
 *   killed with SIGKILL; every client reconnects to the second (already running, pinned to one
 *   core) with the SDK's own backoff (a refused hello's `retryAfterMs` slot honoured) and resyncs
 *   (hello + gap fill). Reports the time from the kill to the last resync, hello p50/p99, the
 *   second gateway's CPU and this process's own (one core for every client: if it is near 100 %,
 *   the figures are the generator's).
 *
 * `--cpu-prof DIR` profiles the server(s). Open files: raise `ulimit -n` above N for this process.
 * Usage: tsx bench/src/storm/hello-storm.ts [--users N] [--rooms-per-user K] [--room-size S]
 *        [--readers R] [--concurrency C] [--failover] [--cpu-prof DIR] [--pg URL] [--max-pending-hellos N]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createBackoff } from '@chatchat/client';
import { canPin, createChildren, exitOnSignals, pinProcess } from '../children.js';
import { createHistogram, summarise } from '../histogram.js';
import { inParallel } from '../in-parallel.js';
import { createCpuWindow, nowUs } from '../proc-stats.js';
import { startChatChat } from '../systems/chatchat.js';
import type { Plan, RoomGroupSpec } from '../systems/system.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string' },
    'rooms-per-user': { type: 'string' },
    'room-size': { type: 'string' },
    concurrency: { type: 'string' },
    readers: { type: 'string' },
    failover: { type: 'boolean' },
    'cpu-prof': { type: 'string' },
    pg: { type: 'string' },
    'max-pending-hellos': { type: 'string' },
  },
});
const users = Number(values.users ?? 2000);
const roomsPerUser = Number(values['rooms-per-user'] ?? 20);
const roomSize = Number(values['room-size'] ?? 100);
const concurrency = Number(values.concurrency ?? 200);
const readerRooms = Number(values.readers ?? 1);
const failover = values.failover ?? false;
/** The SDK's default `requestTimeoutMs`, which bounds a socket's open + hello. */
const helloDeadlineMs = 10_000;
/** How often a failover prints where its clients are. */
const progressEveryMs = 5000;

const children = createChildren();
process.on('exit', () => children.killAllSync());
exitOnSignals();
const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

interface Session {
  ws: WebSocket;
  /** µs from the socket's open to the hello reply. */
  helloUs: number;
  /** The last seq the hello reported per shown room (where a gap fill starts). */
  lastSeqs: Map<string, number>;
}

/** Where each client of a failover is, for the progress line (a stall shows which step holds it). */
const stages = { backoff: 0, connecting: 0, awaitingHello: 0, fillingGaps: 0, resynced: 0 };
type Stage = keyof typeof stages;
function enter(from: Stage | null, to: Stage): Stage {
  if (from) stages[from]--;
  stages[to]++;
  return to;
}

/** A hello the server answered with an error, and the slot it named for the retry. */
class HelloRefused extends Error {
  constructor(
    code: string | undefined,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`hello refused: ${code}`);
  }
}

/** Opens a socket, says hello asking for `shown` rooms' pointers, and resolves once it is answered. */
function hello(url: string, token: string, shown: string[], track = false): Promise<Session> {
  let stage: Stage | null = track ? enter(null, 'connecting') : null;
  const leave = () => {
    if (stage) stages[stage]--;
    stage = null;
  };
  let deadline: NodeJS.Timeout | undefined;
  return new Promise<Session>((resolve, reject) => {
    const ws = new WebSocket(`${url}/ws`, { perMessageDeflate: false });
    let t0 = 0;
    // The SDK's deadline for open + hello: a handshake lost in a full accept queue would otherwise
    // hang until TCP gives up, a quarter of an hour later.
    deadline = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no hello reply within ${helloDeadlineMs} ms`));
    }, helloDeadlineMs);
    ws.on('error', reject);
    ws.once('close', () => reject(new Error('closed before the hello reply')));
    ws.once('open', () => {
      t0 = nowUs();
      if (stage) stage = enter(stage, 'awaitingHello');
      ws.send(JSON.stringify({ id: 'h', op: 'hello', data: { token, readers: shown } }));
    });
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data)) as {
        re?: string;
        ok?: boolean;
        error?: { code: string; retryAfterMs?: number };
        data?: { rooms: Array<{ id: string; lastSeq: number }> };
      };
      if (frame.re !== 'h') return;
      ws.off('message', onMessage);
      ws.removeAllListeners('close');
      if (!frame.ok) return reject(new HelloRefused(frame.error?.code, frame.error?.retryAfterMs));
      const wanted = new Set(shown);
      const lastSeqs = new Map(frame.data!.rooms.filter((r) => wanted.has(r.id)).map((r) => [r.id, r.lastSeq]));
      resolve({ ws, helloUs: nowUs() - t0, lastSeqs });
    };
    ws.on('message', onMessage);
  }).finally(() => {
    clearTimeout(deadline);
    leave();
  });
}

/** The gap fill of a resync: history after what the client held, for every shown room. */
function fillGaps(session: Session, held: Map<string, number>): Promise<void> {
  const rooms = [...session.lastSeqs.keys()];
  return new Promise((resolve, reject) => {
    let left = rooms.length;
    if (left === 0) return resolve();
    const onMessage = (data: WebSocket.RawData) => {
      const frame = JSON.parse(String(data)) as { re?: string; ok?: boolean };
      if (!frame.re?.startsWith('g')) return;
      if (!frame.ok) return reject(new Error('gap fill refused'));
      if (--left === 0) {
        session.ws.off('message', onMessage);
        resolve();
      }
    };
    session.ws.on('message', onMessage);
    rooms.forEach((roomId, i) =>
      session.ws.send(JSON.stringify({ id: `g${i}`, op: 'message.list', data: { roomId, afterSeq: held.get(roomId) ?? 0, limit: 50 } })),
    );
  });
}

function groupsFor(): RoomGroupSpec[] {
  // Every user in `roomsPerUser` rooms: groups of rooms with shifted member windows.
  const roomsPerGroup = Math.ceil(users / roomSize);
  return Array.from({ length: roomsPerUser }, (_, g) => ({
    group: `g${g}`,
    rooms: roomsPerGroup,
    size: roomSize,
    userOffset: Math.floor((g * roomSize) / roomsPerUser),
  }));
}

function shownRooms(plan: Plan): string[][] {
  const roomsOf = plan.users.map(() => [] as string[]);
  for (const room of plan.rooms) for (const m of room.members) roomsOf[m]!.push(room.id);
  return roomsOf.map((r) => r.slice(0, readerRooms));
}

/** Runs `task` for every index with `limit` in flight; resolves with the failures. */
async function countFailures(count: number, limit: number, task: (i: number) => Promise<void>): Promise<number> {
  let failed = 0;
  await inParallel(count, limit, (i) => task(i).catch(() => void failed++));
  return failed;
}

function report(
  what: string,
  count: number,
  failed: number,
  seconds: number,
  cpuSeconds: number,
  hist: ReturnType<typeof createHistogram>,
) {
  const s = summarise(hist);
  const ok = count - failed;
  log(
    `${what}: ${ok} of ${count} in ${seconds.toFixed(2)} s (${failed} failed): ${(ok / seconds).toFixed(0)}/s, ` +
      `hello p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms; server ${cpuSeconds.toFixed(2)} CPU-s ` +
      `(${((cpuSeconds / Math.max(1, ok)) * 1e6).toFixed(0)} µs each)`,
  );
}

async function main() {
  const cpuProf = values['cpu-prof'] ? path.resolve(values['cpu-prof']) : null;
  const system = await startChatChat({
    children,
    nodeFlags: cpuProf ? ['--cpu-prof', '--cpu-prof-dir', cpuProf] : [],
    // The bench lifts every limit; this one is the server's own defence against a storm, so the
    // storm meets the default (empty: unset) unless `--max-pending-hellos` says otherwise.
    env: { MAX_PENDING_HELLOS: values['max-pending-hellos'] ?? '' },
    ...(failover
      ? { postgresAdminUrl: values.pg ?? 'postgres://postgres@127.0.0.1:5432/test', redisUrl: 'redis://127.0.0.1:6379', gateways: 2 }
      : {}),
  });
  try {
    log(
      `setting up ${users} users, ${roomsPerUser} × ${Math.ceil(users / roomSize)} rooms of ${roomSize}${failover ? ' (PostgreSQL + Redis, 2 gateways)' : ''}`,
    );
    const plan = await system.setup(users, groupsFor());
    log(`set up in ${plan.setupSeconds.toFixed(1)} s`);
    const shown = shownRooms(plan);
    const [first, second] = system.wsUrls as [string, string | undefined];
    if (canPin()) {
      for (const pid of system.pids) pinProcess(pid, '0');
      pinProcess(process.pid, '1');
    }

    const sessions: Session[] = new Array(users);
    let hist = createHistogram();
    let cpu = createCpuWindow(() => system.pids);
    cpu.start();
    let t0 = nowUs();
    let failed = await countFailures(users, concurrency, async (i) => {
      const s = await hello(first, plan.users[i]!.token, shown[i]!);
      hist.recordValue(Math.max(1, s.helloUs));
      sessions[i] = s;
    });
    report('hello storm', users, failed, (nowUs() - t0) / 1e6, cpu.stop(), hist);
    if (!failover || !second) return;

    // Kill -9 the first gateway: every socket drops; the SDK's first retry is after a uniform 0–250 ms.
    const held = sessions.map((s) => s?.lastSeqs ?? new Map<string, number>());
    const survivor = system.pids[1]!;
    hist = createHistogram();
    cpu = createCpuWindow(() => [survivor]);
    cpu.start();
    const ownCpu = process.cpuUsage();
    t0 = nowUs();
    process.kill(system.pids[0]!, 'SIGKILL');
    let retries = 0;
    // The survivor's share of its core per line: a stall with the core busy is the server's, an
    // idle one is the clients' (or the network's).
    const lineCpu = createCpuWindow(() => [survivor]);
    lineCpu.start();
    const progress = setInterval(() => {
      const busy = `survivor ${((lineCpu.stop() / (progressEveryMs / 1000)) * 100).toFixed(0)} % busy`;
      lineCpu.start();
      const sockets = `${stages.connecting} connecting, ${stages.awaitingHello} awaiting hello, ${stages.fillingGaps} filling gaps`;
      log(`  ${((nowUs() - t0) / 1e6).toFixed(0)} s: ${stages.resynced} resynced, ${stages.backoff} backing off, ${sockets}; ${busy}`);
    }, progressEveryMs);
    failed = await countFailures(users, users, async (i) => {
      // The SDK's backoff until a hello is answered (the SDK never stops; this gives up two
      // minutes after the kill).
      const backoff = createBackoff();
      let retryAfterMs: number | undefined;
      let s: Session | undefined;
      while (!s) {
        enter(null, 'backoff');
        await new Promise((r) => setTimeout(r, backoff.next(retryAfterMs)));
        stages.backoff--;
        s = await hello(second, plan.users[i]!.token, shown[i]!, true).catch((err: unknown) => {
          retryAfterMs = err instanceof HelloRefused ? err.retryAfterMs : undefined;
          return undefined;
        });
        if (!s && nowUs() - t0 > 120e6) throw new Error('gave up');
        if (!s) retries++;
      }
      hist.recordValue(Math.max(1, s.helloUs));
      enter(null, 'fillingGaps');
      await fillGaps(s, held[i]!).finally(() => stages.fillingGaps--);
      stages.resynced++;
      sessions[i] = s;
    });
    clearInterval(progress);
    const { user, system: kernel } = process.cpuUsage(ownCpu);
    log(`  this process (every client): ${((user + kernel) / 1e6).toFixed(1)} CPU-s`);
    report(
      `failover (kill -9; ${stages.resynced} resynced on the second gateway, ${retries} retried attempts; timed from the kill)`,
      users,
      failed,
      (nowUs() - t0) / 1e6,
      cpu.stop(),
      hist,
    );
  } finally {
    await system.close();
    await children.stopAll();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
