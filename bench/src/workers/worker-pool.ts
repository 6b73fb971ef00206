import type { Children } from '../children.js';
import type { SystemName } from '../drivers/wire-driver.js';
import { mergeHistograms, summarise, type LatencySummary } from '../histogram.js';
import { nowUs } from '../proc-stats.js';
import type { Plan } from '../systems/system.js';
import type {
  ConnectReport,
  ConnSpec,
  CoordinatorMessage,
  RunSpec,
  SendRoomSpec,
  WorkerInit,
  WorkerMessage,
  WorkerRunStats,
} from './messages.js';
import { spawnIpcWorker, type IpcWorker } from './ipc-worker.js';

export interface WorkerPoolOptions {
  children: Children;
  system: SystemName;
  wsUrls: string[];
  plan: Plan;
  /** Connections per user (devices); 1 unless a scenario says otherwise. */
  connsPerUser: number;
  /** Only users [0, users) connect (default: all of the plan's). */
  users?: number;
  workers: number;
  /** CPU list for taskset, e.g. "1"; null leaves them unpinned. */
  cpus: string | null;
  connectConcurrency: number;
  /** Extra node flags for the workers (e.g. --cpu-prof to profile the generator itself). */
  nodeFlags?: string[];
  /** Share of the connections to open at once (the rest on connectRest()); 1 by default. */
  initialFraction?: number;
}

export interface ConnectResult {
  connections: number;
  failed: number;
  seconds: number;
  perSecond: number;
  latency: LatencySummary;
  errors: Record<string, number>;
  /** Each connect phase as [start, end] in CLOCK_MONOTONIC µs (for profile-summary --from/--to). */
  phasesUs: Array<[number, number]>;
}

export interface RunRequest {
  group: string;
  mode: 'open' | 'closed';
  /** Total messages per second over all workers (open mode). */
  rate: number;
  inflight: number;
  warmupMs: number;
  durationMs: number;
  cooldownMs: number;
  bodyChars: number;
  /** Longest wait for in-flight deliveries after sending stops; a third of it without progress also ends it. */
  drainTimeoutMs: number;
}

export interface WindowHooks {
  onWindowStart(): void;
  onWindowEnd(): void;
}

export interface PoolRunResult {
  sent: number;
  acked: number;
  delivered: number;
  deliveredBytes: number;
  expected: number;
  delivery: LatencySummary;
  ack: LatencySummary;
  sendLag: LatencySummary;
  errors: Record<string, number>;
  otherFrames: number;
}

export interface WorkerPool {
  readonly pids: number[];
  /** Every connect phase so far, summed. */
  readonly connect: ConnectResult;
  /** Open the connections the initial fraction left out. */
  connectRest(): Promise<void>;
  run(request: RunRequest, hooks: WindowHooks): Promise<PoolRunResult>;
  /** An application-level round trip on every connection: how many are really held. */
  pingAll(timeoutMs: number): Promise<{ alive: number; total: number }>;
  close(): Promise<void>;
}

type Worker = IpcWorker<WorkerMessage, CoordinatorMessage>;

/** Split the plan's connections and sending rooms over the workers. */
export function partition(
  options: Pick<WorkerPoolOptions, 'plan' | 'connsPerUser' | 'users' | 'workers' | 'wsUrls'>,
): Array<Pick<WorkerInit, 'conns' | 'rooms'>> {
  const { plan, connsPerUser, workers } = options;
  const userCount = Math.min(options.users ?? plan.users.length, plan.users.length);
  const parts = Array.from({ length: workers }, () => ({ conns: [] as ConnSpec[], rooms: [] as SendRoomSpec[] }));
  const roomsOfUser = new Map<number, string[]>();
  for (const room of plan.rooms) {
    for (const m of room.members) {
      let list = roomsOfUser.get(m);
      if (!list) roomsOfUser.set(m, (list = []));
      list.push(room.id);
    }
  }
  // Where each user's connections live: [worker, local index] per connection.
  const homes: Array<Array<[number, number]>> = Array.from({ length: userCount }, () => []);
  let g = 0;
  for (let c = 0; c < connsPerUser; c++) {
    for (let u = 0; u < userCount; u++, g++) {
      const w = g % workers;
      const user = plan.users[u]!;
      homes[u]!.push([w, parts[w]!.conns.length]);
      parts[w]!.conns.push({ userId: user.id, token: user.token, rooms: roomsOfUser.get(u) ?? [], gateway: g % options.wsUrls.length });
    }
  }
  plan.rooms.forEach((room, k) => {
    const connected = room.members.filter((m) => m < userCount);
    if (connected.length === 0) return;
    // One worker sends for a room (rooms are spread over workers), from the members it holds, in turn.
    const first = homes[connected[k % connected.length]!]![0]!;
    const w = first[0];
    const senders = connected.flatMap((m) => homes[m]!.filter(([hw]) => hw === w).map(([, local]) => local));
    parts[w]!.rooms.push({ roomId: room.id, group: room.group, senders, deliveriesPerMessage: connected.length * connsPerUser });
  });
  return parts;
}

/** Start the generator workers, connect every connection, and return when all have tried. */
export async function createWorkerPool(options: WorkerPoolOptions): Promise<WorkerPool> {
  const parts = partition(options);
  const handles: Worker[] = Array.from({ length: options.workers }, (_, i) =>
    spawnIpcWorker({
      children: options.children,
      entry: 'bench/src/workers/generator-worker.ts',
      label: `generator worker ${i}`,
      nodeFlags: options.nodeFlags,
      cpus: options.cpus,
    }),
  );
  const pids = handles.map((h) => h.child.pid!);
  const closeAll = async () => {
    await Promise.all(handles.map((h) => h.close()));
  };
  const fraction = options.initialFraction ?? 1;
  const reports: ConnectReport[] = [];
  const collectPhase = async () => {
    reports.push(...(await Promise.all(handles.map((h) => h.next('connected', 15 * 60_000)))));
  };
  try {
    handles.forEach((h, i) =>
      h.post({
        type: 'init',
        workerIndex: i,
        system: options.system,
        urls: options.wsUrls,
        // 127.0.0.2, .3, …: each worker its own ephemeral port range towards the server.
        localAddress: `127.0.0.${2 + (i % 250)}`,
        connectConcurrency: options.connectConcurrency,
        connectUpTo: Math.ceil(parts[i]!.conns.length * fraction),
        conns: parts[i]!.conns,
        rooms: parts[i]!.rooms,
      }),
    );
    await collectPhase();
  } catch (err) {
    await closeAll();
    throw err;
  }
  const summary = (): ConnectResult => {
    const ok = reports.reduce((a, r) => a + r.ok, 0);
    // Phases are sequential: the connect time is the sum of each phase's span over all workers.
    const phases = reports.length / handles.length;
    let seconds = 0;
    const phasesUs: Array<[number, number]> = [];
    for (let p = 0; p < phases; p++) {
      const phase = reports.slice(p * handles.length, (p + 1) * handles.length);
      const span: [number, number] = [Math.min(...phase.map((r) => r.startUs)), Math.max(...phase.map((r) => r.endUs))];
      phasesUs.push(span);
      seconds += (span[1] - span[0]) / 1e6;
    }
    return {
      connections: ok,
      failed: reports.reduce((a, r) => a + r.failed, 0),
      seconds,
      perSecond: seconds > 0 ? ok / seconds : 0,
      latency: summarise(mergeHistograms(reports.map((r) => r.connectHist))),
      errors: mergeCounts(reports.map((r) => r.errors)),
      phasesUs,
    };
  };
  let runId = 0;
  return {
    pids,
    get connect() {
      return summary();
    },
    async connectRest() {
      handles.forEach((h, i) => h.post({ type: 'connect', upTo: parts[i]!.conns.length }));
      await collectPhase();
    },
    async run(request, hooks) {
      const id = ++runId;
      const perWorkerRooms = parts.map((p) => p.rooms.filter((r) => r.group === request.group).length);
      const totalRooms = perWorkerRooms.reduce((a, b) => a + b, 0);
      if (totalRooms === 0) throw new Error(`no rooms in group ${request.group}`);
      const startUs = nowUs() + 300_000;
      const spec: Omit<RunSpec, 'rate'> = {
        type: 'run',
        runId: id,
        group: request.group,
        mode: request.mode,
        inflight: request.inflight,
        startUs,
        warmupMs: request.warmupMs,
        durationMs: request.durationMs,
        cooldownMs: request.cooldownMs,
        bodyChars: request.bodyChars,
      };
      handles.forEach((h, i) => h.post({ ...spec, rate: (request.rate * perWorkerRooms[i]!) / totalRooms }));
      const winStartMs = (startUs - nowUs()) / 1000 + request.warmupMs;
      await sleepMs(winStartMs);
      hooks.onWindowStart();
      await sleepMs((startUs - nowUs()) / 1000 + request.warmupMs + request.durationMs);
      hooks.onWindowEnd();
      await sleepMs((startUs - nowUs()) / 1000 + request.warmupMs + request.durationMs + request.cooldownMs);
      // Drain: poll until every delivery expected from the window has arrived, or it stops moving.
      const drainDeadline = Date.now() + request.drainTimeoutMs;
      let last = -1;
      let stableSince = Date.now();
      while (Date.now() < drainDeadline) {
        handles.forEach((h) => h.post({ type: 'progress', runId: id }));
        const progress = await Promise.all(handles.map((h) => h.next('progress', 10_000)));
        const delivered = progress.reduce((a, p) => a + p.delivered, 0);
        const expected = progress.reduce((a, p) => a + p.expected, 0);
        const acked = progress.reduce((a, p) => a + p.acked, 0);
        const sent = progress.reduce((a, p) => a + p.sent, 0);
        if (delivered >= expected && acked >= sent) break;
        if (delivered + acked !== last) {
          last = delivered + acked;
          stableSince = Date.now();
        } else if (Date.now() - stableSince > Math.max(1500, request.drainTimeoutMs / 3)) {
          break;
        }
        await sleepMs(100);
      }
      handles.forEach((h) => h.post({ type: 'collect', runId: id }));
      const results = await Promise.all(handles.map((h) => h.next('result', 30_000)));
      return combine(results.map((r) => r.stats));
    },
    async pingAll(timeoutMs) {
      handles.forEach((h) => h.post({ type: 'ping-all', timeoutMs }));
      const res = await Promise.all(handles.map((h) => h.next('ping-result', timeoutMs + 10_000)));
      return { alive: res.reduce((a, r) => a + r.alive, 0), total: res.reduce((a, r) => a + r.total, 0) };
    },
    close: closeAll,
  };
}

function combine(stats: WorkerRunStats[]): PoolRunResult {
  const sum = (f: (s: WorkerRunStats) => number) => stats.reduce((a, s) => a + f(s), 0);
  return {
    sent: sum((s) => s.sent),
    acked: sum((s) => s.acked),
    delivered: sum((s) => s.delivered),
    deliveredBytes: sum((s) => s.deliveredBytes),
    expected: sum((s) => s.expected),
    delivery: summarise(mergeHistograms(stats.map((s) => s.deliveryHist))),
    ack: summarise(mergeHistograms(stats.map((s) => s.ackHist))),
    sendLag: summarise(mergeHistograms(stats.map((s) => s.sendLagHist))),
    errors: mergeCounts(stats.map((s) => s.errors)),
    otherFrames: sum((s) => s.otherFrames),
  };
}

export function mergeCounts(list: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of list) for (const [k, v] of Object.entries(m)) out[k] = (out[k] ?? 0) + v;
  return out;
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}
