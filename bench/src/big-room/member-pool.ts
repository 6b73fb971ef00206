import type { Children } from '../children.js';
import { spawnIpcWorker, type IpcWorker } from '../workers/ipc-worker.js';
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
  worker: IpcWorker<FromWorker, ToWorker>;
  /** Senders it holds (its share of the rate). */
  senders: number;
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
  const handles: Handle[] = Array.from({ length: options.workers }, (_, w) => ({
    worker: spawnIpcWorker<FromWorker, ToWorker>({
      children: options.children,
      entry: 'bench/src/big-room/member-worker.ts',
      label: `member worker ${w}`,
      nodeFlags: options.nodeFlags,
      cpus: options.cpus,
    }),
    senders: 0,
  }));
  const pids = handles.map((h) => h.worker.child.pid!);
  const close = async () => {
    await Promise.all(handles.map((h) => h.worker.close()));
  };
  try {
    handles.forEach((h, w) => {
      const mine = options.users.map((u, i) => ({ u, i })).filter(({ i }) => homeOf(i, options.senders, options.workers) === w);
      const senders = mine.flatMap(({ i }, local) => (i < options.senders ? [local] : []));
      h.senders = senders.length;
      h.worker.post({
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
    const reports = await Promise.all(handles.map((h) => h.worker.next('connected', 15 * 60_000)));
    const errors: Record<string, number> = {};
    for (const r of reports) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
    const pool: MemberPool = {
      pids,
      async progress() {
        handles.forEach((h) => h.worker.post({ type: 'progress' }));
        const all = await Promise.all(handles.map((h) => h.worker.next('progress', 30_000)));
        const sum = (f: (p: (typeof all)[number]) => number) => all.reduce((a, p) => a + f(p), 0);
        return { delivered: sum((p) => p.delivered), sent: sum((p) => p.sent), acked: sum((p) => p.acked), frames: sum((p) => p.frames) };
      },
      run(spec, rate) {
        for (const h of handles) h.worker.post({ type: 'run', ...spec, rate: (rate * h.senders) / Math.max(1, options.senders) });
      },
      async collect() {
        handles.forEach((h) => h.worker.post({ type: 'collect' }));
        return (await Promise.all(handles.map((h) => h.worker.next('result', 60_000)))).map((r) => r.result);
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
