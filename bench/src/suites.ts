import type { SystemName } from './drivers/wire-driver.js';
import type { RunRequest } from './workers/worker-pool.js';
import type { SessionSpec } from './scenarios/session.js';

/** How to start the system of one session. */
export interface SystemChoice {
  name: SystemName;
  store: 'sqlite' | 'postgres' | 'mongodb';
  /** Processes behind Redis (cluster scenario), 1 otherwise. */
  processes: number;
}

export interface Job {
  title: string;
  system: SystemChoice;
  spec: SessionSpec;
}

/** Every knob of a suite; the CLI fills it from defaults per suite and flags. */
export interface SuiteParams {
  systems: SystemName[];
  /** Generator processes for fan-out and persist (the CLI sets one per generator CPU). */
  workers: number;
  bodyChars: number;
  warmupMs: number;
  durationMs: number;
  cooldownMs: number;
  drainTimeoutMs: number;
  /** fan-out: users connected, rooms of each size, and the fixed offered load per room size. */
  fanoutUsers: number;
  fanoutCases: Array<{ size: number; rate: number }>;
  /**
   * Fixed-load fan-out sessions per system, run in turn (ws, sio, chatchat, ws, …) with fresh servers:
   * reports show the median and the range, because runs on a shared VM differ by tens of percent.
   */
  repeat: number;
  /** Sweep P until p99 > limit (full suite). */
  sweep: boolean;
  sweepFactor: number;
  sweepMaxSteps: number;
  sweepP99LimitMs: number;
  /** idle: connections held, connections per user, room size of the users (0: no rooms), hold time. */
  idleConns: number;
  idleConnsPerUser: number;
  idleRoomSize: number;
  idleHoldMs: number;
  idleWorkers: number;
  /** idle: server processes (more than one: PostgreSQL + Redis scale-out, connections split evenly). */
  idleGateways: number;
  /** Measure idle RSS in a separate session (full) or from the fan-out session's connections (quick). */
  idleSeparate: boolean;
  /** persist: sender connections (each alone in a room), sends in flight per connection, stores. */
  persistConns: number;
  persistInflight: number;
  /** `mongodb` runs on FerretDB here: a check that it works, no performance proxy for DocumentDB. */
  persistStores: Array<'sqlite' | 'postgres' | 'mongodb'>;
  /** cluster: two processes behind Redis vs one process, same fan-out case. */
  cluster: boolean;
  clusterCase: { size: number; rate: number };
}

export const suiteDefaults: Record<'smoke' | 'quick' | 'full', SuiteParams> = {
  smoke: {
    systems: ['ws-relay', 'chatchat'],
    workers: 1,
    bodyChars: 100,
    // A long drain: CI machines are busy, and smoke asserts that nothing is lost, not how fast.
    warmupMs: 300,
    durationMs: 1000,
    cooldownMs: 200,
    drainTimeoutMs: 20_000,
    fanoutUsers: 20,
    fanoutCases: [{ size: 5, rate: 100 }],
    repeat: 1,
    sweep: false,
    sweepFactor: 1.5,
    sweepMaxSteps: 1,
    sweepP99LimitMs: 100,
    idleConns: 20,
    idleConnsPerUser: 1,
    idleRoomSize: 5,
    idleHoldMs: 300,
    idleWorkers: 1,
    idleGateways: 1,
    idleSeparate: false,
    persistConns: 4,
    persistInflight: 2,
    persistStores: ['sqlite'],
    cluster: false,
    clusterCase: { size: 5, rate: 100 },
  },
  quick: {
    systems: ['ws-relay-plain', 'ws-relay', 'socketio-plain', 'socketio', 'chatchat'],
    workers: 2,
    bodyChars: 100,
    warmupMs: 2000,
    durationMs: 8000,
    cooldownMs: 500,
    drainTimeoutMs: 5000,
    fanoutUsers: 1000,
    fanoutCases: [
      { size: 10, rate: 4000 },
      { size: 100, rate: 400 },
    ],
    repeat: 1,
    sweep: false,
    sweepFactor: 1.5,
    sweepMaxSteps: 8,
    sweepP99LimitMs: 100,
    idleConns: 1000,
    idleConnsPerUser: 1,
    idleRoomSize: 10,
    idleHoldMs: 5000,
    idleWorkers: 2,
    idleGateways: 1,
    idleSeparate: false,
    persistConns: 50,
    persistInflight: 4,
    persistStores: ['sqlite', 'postgres'],
    cluster: false,
    clusterCase: { size: 10, rate: 2000 },
  },
  full: {
    systems: ['ws-relay-plain', 'ws-relay', 'socketio-plain', 'socketio', 'chatchat'],
    workers: 2,
    bodyChars: 100,
    warmupMs: 3000,
    durationMs: 20_000,
    cooldownMs: 1000,
    drainTimeoutMs: 10_000,
    fanoutUsers: 1000,
    fanoutCases: [
      { size: 10, rate: 4000 },
      { size: 100, rate: 400 },
    ],
    repeat: 3,
    sweep: true,
    sweepFactor: 1.5,
    sweepMaxSteps: 10,
    sweepP99LimitMs: 100,
    idleConns: 15_000,
    idleConnsPerUser: 1,
    idleRoomSize: 10,
    idleHoldMs: 30_000,
    idleWorkers: 4,
    idleGateways: 1,
    idleSeparate: true,
    // Cluster at 2,000 msg/s: one PostgreSQL under both gateways must keep up, or the backlog hides the hop.
    persistConns: 100,
    persistInflight: 4,
    persistStores: ['sqlite', 'postgres'],
    cluster: true,
    clusterCase: { size: 10, rate: 2000 },
  },
};

function runBase(p: SuiteParams): Omit<RunRequest, 'group' | 'mode' | 'rate' | 'inflight'> {
  return {
    warmupMs: p.warmupMs,
    durationMs: p.durationMs,
    cooldownMs: p.cooldownMs,
    bodyChars: p.bodyChars,
    drainTimeoutMs: p.drainTimeoutMs,
  };
}

function fanoutSpec(p: SuiteParams, scenario: 'fanout' | 'cluster' | 'smoke', withIdle: boolean, cases = p.fanoutCases): SessionSpec {
  const users = p.fanoutUsers;
  return {
    users,
    connsPerUser: 1,
    workers: p.workers,
    connectConcurrency: 100,
    groups: cases.map((c) => ({ group: `fanout-${c.size}`, rooms: Math.max(1, Math.floor(users / c.size)), size: c.size })),
    idle: withIdle ? { caseLabel: `${users} connections (fan-out users)`, holdMs: p.idleHoldMs } : undefined,
    runs: cases.map((c) => ({
      scenario,
      caseLabel: `rooms of ${c.size}`,
      params: { users, roomSize: c.size, rooms: Math.floor(users / c.size), rate: c.rate, bodyChars: p.bodyChars },
      request: { ...runBase(p), group: `fanout-${c.size}`, mode: 'open', rate: c.rate, inflight: 0 },
    })),
    sweeps:
      p.sweep && scenario === 'fanout'
        ? cases.map((c) => ({
            caseLabel: `rooms of ${c.size}`,
            params: { users, roomSize: c.size, bodyChars: p.bodyChars },
            p99LimitMs: p.sweepP99LimitMs,
            base: {
              ...runBase(p),
              durationMs: Math.min(p.durationMs, 10_000),
              group: `fanout-${c.size}`,
              mode: 'open' as const,
              inflight: 0,
            },
            rates: Array.from({ length: p.sweepMaxSteps }, (_, i) => Math.round(c.rate * p.sweepFactor ** i)),
          }))
        : undefined,
  };
}

function idleSpec(p: SuiteParams): SessionSpec {
  const users = Math.ceil(p.idleConns / p.idleConnsPerUser);
  return {
    users,
    connsPerUser: p.idleConnsPerUser,
    workers: p.idleWorkers,
    connectConcurrency: 200,
    groups: p.idleRoomSize > 0 ? [{ group: 'idle', rooms: Math.floor(users / p.idleRoomSize), size: p.idleRoomSize }] : [],
    idle: { caseLabel: `${p.idleConns} connections`, holdMs: p.idleHoldMs },
    runs: [],
  };
}

function persistSpec(p: SuiteParams): SessionSpec {
  return {
    users: p.persistConns,
    connsPerUser: 1,
    workers: p.workers,
    connectConcurrency: 50,
    groups: [{ group: 'persist', rooms: p.persistConns, size: 1 }],
    runs: [
      {
        scenario: 'persist',
        caseLabel: `${p.persistConns} senders × ${p.persistInflight} in flight`,
        params: { conns: p.persistConns, inflight: p.persistInflight, bodyChars: p.bodyChars },
        request: { ...runBase(p), group: 'persist', mode: 'closed', rate: 0, inflight: p.persistInflight },
      },
    ],
  };
}

/** The sessions of a suite, in the order they run. */
export function buildJobs(suite: 'smoke' | 'quick' | 'full' | 'fanout' | 'idle' | 'persist' | 'cluster', p: SuiteParams): Job[] {
  const jobs: Job[] = [];
  const one = (name: SystemName, store: 'sqlite' | 'postgres' | 'mongodb' = 'sqlite'): SystemChoice => ({ name, store, processes: 1 });
  const wantFanout = ['smoke', 'quick', 'full', 'fanout'].includes(suite);
  const wantIdle = ['quick', 'full', 'idle', 'smoke'].includes(suite);
  // A plain peer is its acking twin's server: idle and cluster figures would be the same.
  const servers = p.systems.filter((s) => !s.endsWith('-plain'));
  if (wantIdle && (p.idleSeparate || suite === 'idle')) {
    for (const s of servers) {
      const system: SystemChoice = p.idleGateways > 1 ? { name: s, store: 'postgres', processes: p.idleGateways } : one(s);
      jobs.push({ title: `idle ${s}`, system, spec: idleSpec(p) });
    }
  }
  for (let round = 0; wantFanout && round < Math.max(1, p.repeat); round++) {
    for (const s of p.systems) {
      // Idle figures and sweeps once; the fixed loads every round.
      const spec = fanoutSpec(
        round === 0 ? p : { ...p, sweep: false },
        suite === 'smoke' ? 'smoke' : 'fanout',
        round === 0 && wantIdle && !p.idleSeparate && !s.endsWith('-plain'),
      );
      if (suite === 'smoke' && s === 'chatchat') {
        // Smoke: persist runs in the same server as fan-out, so CI starts ChatChat once.
        const persist = persistSpec(p);
        spec.groups.push(...persist.groups);
        spec.runs.push(...persist.runs);
      }
      jobs.push({ title: `fan-out ${s}${p.repeat > 1 ? ` (round ${round + 1}/${p.repeat})` : ''}`, system: one(s), spec });
    }
  }
  if (['quick', 'full', 'persist'].includes(suite) && p.systems.includes('chatchat')) {
    for (const store of p.persistStores)
      jobs.push({ title: `persist chatchat ${store}`, system: one('chatchat', store), spec: persistSpec(p) });
  }
  if (suite === 'cluster' || (suite === 'full' && p.cluster)) {
    const c = [p.clusterCase];
    for (const s of servers) {
      // Against one process of the same build and store, so the ratio is the cost of scaling out.
      jobs.push({
        title: `cluster baseline ${s}`,
        system: { name: s, store: 'postgres', processes: 1 },
        spec: fanoutSpec(p, 'cluster', false, c),
      });
      jobs.push({ title: `cluster ${s}`, system: { name: s, store: 'postgres', processes: 2 }, spec: fanoutSpec(p, 'cluster', false, c) });
    }
  }
  return jobs;
}
