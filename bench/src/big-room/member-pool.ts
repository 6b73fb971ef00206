import type { ChildProcess } from 'node:child_process';
import { outputTail, pinProcess, raiseNofile, type Children } from '../children.js';
import type { PlanUser } from '../systems/system.js';
import type { FromWorker, MemberResult, MemberRun, ReadMode, ToWorker } from './big-room-messages.js';

export interface MemberPoolOptions {
  children: Children;
  url: string;
  roomId: string;
  users: PlanUser[];
  /** Users [0, senders) send, in turn. */
  senders: number;
  workers: number;
  /** taskset CPU list for the workers, or null. */
  cpus: string | null;
  connectConcurrency: number;
  reads: ReadMode;
  readDebounceMs: number;
  nodeFlags?: string[];
}

interface Handle {
  child: ChildProcess;
  inbox: FromWorker[];
  waiters: Array<{ type: FromWorker['type']; resolve: (m: FromWorker) => void; reject: (e: Error) => void }>;
  dead: Error | null;
  senders: number;
}

type Of<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>;

function waitFor<T extends FromWorker['type']>(h: Handle, type: T, timeoutMs: number): Promise<Of<T>> {
  const i = h.inbox.findIndex((m) => m.type === type);
  if (i >= 0) return Promise.resolve(h.inbox.splice(i, 1)[0] as Of<T>);
  if (h.dead) return Promise.reject(h.dead);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`member worker ${h.child.pid}: no ${type} in ${timeoutMs} ms`)), timeoutMs);
    h.waiters.push({
      type,
      resolve: (m) => {
        clearTimeout(timer);
        resolve(m as Of<T>);
      },
      reject: (e) => {
        clearTimeout(timer);
        reject(e);
      },
    });
  });
}

export interface MemberPool {
  readonly pids: number[];
  /** Sum over workers of each one's answer. */
  progress(): Promise<{ delivered: number; sent: number; acked: number; frames: number }>;
  run(spec: Omit<MemberRun, 'type' | 'rate'>, rate: number): void;
  collect(): Promise<MemberResult[]>;
  close(): Promise<void>;
}

/**
 * The worker that holds user i. With two or more workers the senders have one to themselves, so
 * their schedule holds however far behind the readers' workers run (a receipt burst of a big room
 * takes them seconds to read); the readers are spread over the others.
 */
function homeOf(i: number, senders: number, workers: number): number {
  if (workers < 2) return 0;
  return i < senders ? 0 : 1 + (i % (workers - 1));
}

/**
 * Member workers, each on its own 127.0.0.x source address (its own ephemeral port range).
 * Resolves once every member has had its hello answered (or failed).
 */
export async function createMemberPool(
  options: MemberPoolOptions,
): Promise<{ pool: MemberPool; connected: number; failed: number; errors: Record<string, number> }> {
  const handles: Handle[] = [];
  for (let w = 0; w < options.workers; w++) {
    const child = options.children.spawnNode({
      entry: 'bench/src/big-room/member-worker.ts',
      ipc: true,
      label: `member#${w}`,
      echoStderr: true,
      nodeFlags: options.nodeFlags,
    });
    const h: Handle = { child, inbox: [], waiters: [], dead: null, senders: 0 };
    child.on('message', (m: FromWorker) => {
      if (m.type === 'fatal') {
        h.dead = new Error(`member worker ${w} failed: ${m.message}`);
        for (const waiter of h.waiters.splice(0)) waiter.reject(h.dead);
        return;
      }
      const i = h.waiters.findIndex((waiter) => waiter.type === m.type);
      if (i >= 0) h.waiters.splice(i, 1)[0]!.resolve(m);
      else h.inbox.push(m);
    });
    child.once('exit', (code, signal) => {
      h.dead ??= new Error(`member worker ${w} exited (${code ?? signal})\n${outputTail(child)}`);
      for (const waiter of h.waiters.splice(0)) waiter.reject(h.dead);
    });
    handles.push(h);
  }
  const post = (h: Handle, msg: ToWorker) => {
    if (!h.dead && h.child.connected) h.child.send(msg);
  };
  const pids = handles.map((h) => h.child.pid!);
  for (const pid of pids) {
    raiseNofile(pid);
    if (options.cpus) pinProcess(pid, options.cpus);
  }
  const close = async () => {
    for (const h of handles) post(h, { type: 'close' });
    await Promise.all(handles.map((h) => options.children.stop(h.child)));
  };
  try {
    handles.forEach((h, w) => {
      const mine = options.users.map((u, i) => ({ u, i })).filter(({ i }) => homeOf(i, options.senders, options.workers) === w);
      const senders = mine.flatMap(({ i }, local) => (i < options.senders ? [local] : []));
      h.senders = senders.length;
      post(h, {
        type: 'init',
        url: options.url,
        roomId: options.roomId,
        localAddress: `127.0.0.${2 + (w % 250)}`,
        connectConcurrency: options.connectConcurrency,
        members: mine.map(({ u }) => ({ userId: u.id, token: u.token })),
        senders,
        reads: options.reads,
        readDebounceMs: options.readDebounceMs,
      });
    });
    const reports = await Promise.all(handles.map((h) => waitFor(h, 'connected', 15 * 60_000)));
    const errors: Record<string, number> = {};
    for (const r of reports) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
    const pool: MemberPool = {
      pids,
      async progress() {
        handles.forEach((h) => post(h, { type: 'progress' }));
        const all = await Promise.all(handles.map((h) => waitFor(h, 'progress', 30_000)));
        const sum = (f: (p: (typeof all)[number]) => number) => all.reduce((a, p) => a + f(p), 0);
        return { delivered: sum((p) => p.delivered), sent: sum((p) => p.sent), acked: sum((p) => p.acked), frames: sum((p) => p.frames) };
      },
      run(spec, rate) {
        for (const h of handles) post(h, { type: 'run', ...spec, rate: (rate * h.senders) / Math.max(1, options.senders) });
      },
      async collect() {
        handles.forEach((h) => post(h, { type: 'collect' }));
        return (await Promise.all(handles.map((h) => waitFor(h, 'result', 60_000)))).map((r) => r.result);
      },
      close,
    };
    return {
      pool,
      connected: reports.reduce((a, r) => a + r.ok, 0),
      failed: reports.reduce((a, r) => a + r.failed, 0),
      errors,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
