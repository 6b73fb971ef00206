import { pinProcess, type Children } from '../children.js';
import { createCpuWindow, nowUs, readMachineBusySeconds, readRssBytes, sumStorageWriteBytes } from '../proc-stats.js';
import type { IdleMeasurement, Measurement, SetupRecord, Sweep } from '../report/results.js';
import { collectGarbage } from '../systems/inspector.js';
import type { RoomGroupSpec, RunningSystem } from '../systems/system.js';
import { createWorkerPool, type PoolRunResult, type RunRequest, type WorkerPool } from '../workers/worker-pool.js';

export interface CpuPlan {
  serverCpus: string | null;
  generatorCpus: string | null;
  /** Cores available to the generator (for its CPU %). */
  generatorCores: number;
}

export interface RunStep {
  scenario: Measurement['scenario'];
  caseLabel: string;
  params: Record<string, number | string>;
  request: RunRequest;
}

export interface SweepStep {
  caseLabel: string;
  params: Record<string, number | string>;
  base: Omit<RunRequest, 'rate'>;
  rates: number[];
  /** Stop when p99 send-to-receive passes this. */
  p99LimitMs: number;
}

export interface SessionSpec {
  users: number;
  connsPerUser: number;
  groups: RoomGroupSpec[];
  workers: number;
  connectConcurrency: number;
  /** Measure idle connections right after connecting (RSS per connection, heartbeat CPU). */
  idle?: { caseLabel: string; holdMs: number };
  runs: RunStep[];
  sweeps?: SweepStep[];
}

export interface SessionResult {
  setup: SetupRecord;
  idle: IdleMeasurement[];
  measurements: Measurement[];
  sweeps: Sweep[];
}

export interface SessionContext {
  children: Children;
  cpu: CpuPlan;
  /** Extra node flags for generator workers. */
  generatorNodeFlags: string[];
  log: (line: string) => void;
}

/** One system under test: set up users and rooms, connect, then measure each step in turn. */
export async function runSession(ctx: SessionContext, system: RunningSystem, spec: SessionSpec): Promise<SessionResult> {
  const result: SessionResult = {
    setup: { system: system.label, users: spec.users, rooms: 0, seconds: 0 },
    idle: [],
    measurements: [],
    sweeps: [],
  };
  ctx.log(`${system.label}: setting up ${spec.users} users, ${spec.groups.map((g) => `${g.rooms}×${g.size}`).join(' + ')} rooms`);
  const plan = await system.setup(spec.users, spec.groups);
  result.setup = { system: system.label, users: plan.users.length, rooms: plan.rooms.length, seconds: plan.setupSeconds };
  // Setup ran unpinned (argon2 sign-ups use every core); the measured part runs pinned.
  if (ctx.cpu.serverCpus) for (const pid of system.pids) pinProcess(pid, ctx.cpu.serverCpus);
  const before = await settledMemory(system);
  const pool = await createWorkerPool({
    children: ctx.children,
    system: system.name,
    wsUrls: system.wsUrls,
    plan,
    connsPerUser: spec.connsPerUser,
    workers: spec.workers,
    cpus: ctx.cpu.generatorCpus,
    connectConcurrency: spec.connectConcurrency,
    nodeFlags: ctx.generatorNodeFlags,
    // Idle memory is the slope between half and all connections: setup leftovers (argon2 buffers,
    // JIT, first-connection structures) cancel out.
    initialFraction: spec.idle ? 0.5 : 1,
  });
  try {
    const target = plan.users.length * spec.connsPerUser;
    let half: (MemoryReading & { connections: number }) | null = null;
    if (spec.idle) {
      await new Promise((r) => setTimeout(r, Math.min(spec.idle!.holdMs, 5000)));
      half = { connections: pool.connect.connections, ...(await settledMemory(system)) };
      await pool.connectRest();
    }
    ctx.log(
      `${system.label}: ${pool.connect.connections}/${target} connected in ${pool.connect.seconds.toFixed(1)} s` +
        (pool.connect.failed ? ` (${pool.connect.failed} failed: ${JSON.stringify(pool.connect.errors)})` : ''),
    );
    if (pool.connect.connections === 0) throw new Error(`${system.label}: no connection succeeded ${JSON.stringify(pool.connect.errors)}`);
    if (spec.idle && half) result.idle.push(await measureIdle(ctx, system, pool, spec, before.rss, half, target));
    for (const step of spec.runs) {
      const m = await measure(ctx, system, pool, step);
      result.measurements.push(m);
      ctx.log(describe(m));
    }
    for (const sweep of spec.sweeps ?? []) result.sweeps.push(await runSweep(ctx, system, pool, sweep));
  } finally {
    await pool.close();
  }
  return result;
}

async function measureIdle(
  ctx: SessionContext,
  system: RunningSystem,
  pool: WorkerPool,
  spec: SessionSpec,
  rssBefore: number,
  half: MemoryReading & { connections: number },
  target: number,
): Promise<IdleMeasurement> {
  const idle = spec.idle!;
  const cpu = createCpuWindow(() => system.pids);
  cpu.start();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, idle.holdMs));
  const holdSec = (performance.now() - t0) / 1000;
  const idleCpu = cpu.stop();
  // Read after the hold and a forced GC: connect-time garbage (hello snapshots, presence fan-out) is gone.
  const { rss: rssAfter, heap: heapAfter } = await settledMemory(system);
  const { alive } = await pool.pingAll(30_000);
  const added = pool.connect.connections - half.connections;
  const m: IdleMeasurement = {
    caseLabel: idle.caseLabel,
    system: system.label,
    systemName: system.name,
    connectionsTarget: target,
    connected: pool.connect.connections,
    held: alive,
    connectPerSec: pool.connect.perSecond,
    connectLatency: pool.connect.latency,
    rssBeforeMb: rssBefore / 2 ** 20,
    rssHalfMb: half.rss / 2 ** 20,
    rssAfterMb: rssAfter / 2 ** 20,
    rssPerConnKb: added > 0 ? (rssAfter - half.rss) / 1024 / added : 0,
    heapPerConnKb: added > 0 && heapAfter !== null && half.heap !== null ? (heapAfter - half.heap) / 1024 / added : null,
    idleServerCpuPct: (idleCpu / holdSec) * 100,
    holdSec,
    errors: pool.connect.errors,
    connectPhasesUs: pool.connect.phasesUs,
  };
  ctx.log(
    `${system.label}: idle ${m.held}/${m.connectionsTarget} held, ${m.connectPerSec.toFixed(0)} conn/s, ` +
      `${m.rssPerConnKb.toFixed(1)} KB RSS/conn (JS heap ${m.heapPerConnKb?.toFixed(1) ?? '?'} KB), idle CPU ${m.idleServerCpuPct.toFixed(1)}%`,
  );
  return m;
}

interface MemoryReading {
  rss: number;
  /** JS heap in use after the GC, or null without an inspector. */
  heap: number | null;
}

/**
 * RSS summed over the server processes after a forced full GC in each (through the inspector), once
 * it stops moving (at most ~6 s of sampling), with the JS heap in use after that GC.
 */
async function settledMemory(system: RunningSystem): Promise<MemoryReading> {
  const heaps = await Promise.all(system.inspectors.map((url) => collectGarbage(url)));
  const rss = await settledRss(system.pids);
  if (heaps.length !== system.pids.length || heaps.some((h) => h === null)) return { rss, heap: null };
  return { rss, heap: heaps.reduce((a, h) => a + h!.used, 0) };
}

/** RSS summed over the server processes once it stops moving, at most ~6 s of sampling. */
async function settledRss(pids: readonly number[]): Promise<number> {
  const read = () => pids.reduce((a, p) => a + (readRssBytes(p) ?? 0), 0);
  let last = read();
  for (let i = 0; i < 12; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const now = read();
    if (Math.abs(now - last) < 256 * 1024) return now;
    last = now;
  }
  return last;
}

export async function measure(ctx: SessionContext, system: RunningSystem, pool: WorkerPool, step: RunStep): Promise<Measurement> {
  const server = createCpuWindow(() => system.pids);
  const gen = createCpuWindow(() => [...pool.pids, process.pid]);
  const aux = createCpuWindow(() => system.auxPids());
  let windowStart = 0;
  let windowStartUs = 0;
  let windowEndUs = 0;
  let windowSec = step.request.durationMs / 1000;
  let serverCpuSec = 0;
  let genCpuSec = 0;
  let auxCpuSec = 0;
  let machineBusy = 0;
  let rss = 0;
  // The server's and its database's (PostgreSQL processes are its aux pids) storage writes.
  const storagePids = () => [...system.pids, ...system.auxPids()];
  let storageBytes = 0;
  const r: PoolRunResult = await pool.run(step.request, {
    onWindowStart() {
      windowStart = performance.now();
      windowStartUs = nowUs();
      server.start();
      gen.start();
      aux.start();
      machineBusy = readMachineBusySeconds();
      storageBytes = sumStorageWriteBytes(storagePids());
    },
    onWindowEnd() {
      windowSec = (performance.now() - windowStart) / 1000;
      windowEndUs = nowUs();
      serverCpuSec = server.stop();
      genCpuSec = gen.stop();
      auxCpuSec = aux.stop();
      machineBusy = readMachineBusySeconds() - machineBusy;
      rss = system.pids.reduce((a, p) => a + (readRssBytes(p) ?? 0), 0);
      storageBytes = sumStorageWriteBytes(storagePids()) - storageBytes;
    },
  });
  const dur = step.request.durationMs / 1000;
  const errorCount = Object.values(r.errors).reduce((a, b) => a + b, 0);
  const offered = step.request.mode === 'open' ? step.request.rate : null;
  const sendShort = offered !== null && r.sent < offered * dur * 0.95;
  return {
    scenario: step.scenario,
    caseLabel: step.caseLabel,
    system: system.label,
    systemName: system.name,
    params: step.params,
    offeredRate: offered,
    windowSec,
    windowStartUs,
    windowEndUs,
    sentPerSec: r.sent / dur,
    ackedPerSec: r.acked / dur,
    deliveriesPerSec: r.delivered / dur,
    bytesPerDelivery: r.delivered > 0 ? r.deliveredBytes / r.delivered : 0,
    delivery: r.delivery,
    ack: r.ack,
    sendLag: r.sendLag,
    drops: Math.max(0, r.expected - r.delivered),
    unacked: Math.max(0, r.sent - r.acked),
    errors: r.errors,
    errorCount,
    serverCpuSec,
    serverCpuPct: (serverCpuSec / windowSec) * 100,
    deliveriesPerServerCpuSec: serverCpuSec > 0 ? r.delivered / serverCpuSec : 0,
    ackedPerServerCpuSec: serverCpuSec > 0 ? r.acked / serverCpuSec : 0,
    generatorCpuPct: (genCpuSec / windowSec) * 100,
    auxCpuPct: (auxCpuSec / windowSec) * 100,
    otherCpuPct: (Math.max(0, machineBusy - serverCpuSec - genCpuSec - auxCpuSec) / windowSec) * 100,
    serverRssMb: rss / 2 ** 20,
    storageBytesPerAck: r.acked > 0 ? storageBytes / r.acked : null,
    generatorSaturated: sendShort || r.sendLag.p99 > 20 || genCpuSec / windowSec > 0.9 * ctx.cpu.generatorCores,
  };
}

async function runSweep(ctx: SessionContext, system: RunningSystem, pool: WorkerPool, sweep: SweepStep): Promise<Sweep> {
  const out: Sweep = {
    caseLabel: sweep.caseLabel,
    system: system.label,
    systemName: system.name,
    points: [],
    saturationRate: null,
    stoppedBecause: 'every rate tried passed (raise --sweep-steps)',
  };
  for (const rate of sweep.rates) {
    const m = await measure(ctx, system, pool, {
      scenario: 'fanout',
      caseLabel: `${sweep.caseLabel} sweep`,
      params: { ...sweep.params, rate },
      request: { ...sweep.base, rate },
    });
    out.points.push({ offeredRate: rate, m });
    ctx.log(`sweep ${describe(m)}`);
    const expected = m.deliveriesPerSec * (sweep.base.durationMs / 1000) + m.drops;
    if (m.delivery.p99 > sweep.p99LimitMs) {
      out.stoppedBecause = `p99 ${m.delivery.p99.toFixed(1)} ms > ${sweep.p99LimitMs} ms at ${rate} msg/s`;
      break;
    }
    if (m.drops > 0.01 * expected) {
      out.stoppedBecause = `${m.drops} drops at ${rate} msg/s`;
      break;
    }
    if (m.errorCount > 0) {
      out.stoppedBecause = `${m.errorCount} errors at ${rate} msg/s`;
      break;
    }
    out.saturationRate = rate;
    if (m.generatorSaturated) {
      out.stoppedBecause = `generator saturated at ${rate} msg/s (the server was not the limit)`;
      break;
    }
  }
  return out;
}

export function describe(m: Measurement): string {
  return (
    `${m.system} ${m.scenario}/${m.caseLabel}: ${m.offeredRate ?? 'max'} msg/s offered, ` +
    `${m.ackedPerSec.toFixed(0)} acked/s, ${m.deliveriesPerSec.toFixed(0)} deliveries/s, ` +
    `p50/p99/p99.9 ${m.delivery.p50}/${m.delivery.p99}/${m.delivery.p999} ms, ack p99 ${m.ack.p99} ms, ` +
    `server ${m.serverCpuPct.toFixed(0)}% CPU, ${m.deliveriesPerServerCpuSec.toFixed(0)} deliveries/CPU-s, ` +
    `gen ${m.generatorCpuPct.toFixed(0)}%${m.generatorSaturated ? ' (SATURATED)' : ''}, other ${m.otherCpuPct.toFixed(0)}%, ` +
    `drops ${m.drops}, errors ${m.errorCount}${m.errorCount ? ` ${JSON.stringify(m.errors)}` : ''}`
  );
}
