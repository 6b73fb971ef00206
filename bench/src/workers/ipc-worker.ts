import type { ChildProcess } from 'node:child_process';
import { outputTail, pinProcess, raiseNofile, type Children } from '../children.js';

/** Messages both ways are tagged by `type`; a worker reports a crash as `fatal`. */
type Tagged = { type: string };
type Fatal = { type: 'fatal'; message: string };

/** A generator process the coordinator talks to over IPC (the fan-out generator, the big room's members). */
export interface IpcWorker<In extends Tagged, Out extends Tagged> {
  readonly child: ChildProcess;
  /** Sends unless the worker is gone. */
  post(msg: Out): void;
  /** The next message of this type (queued ones first); rejects when the worker dies or after `timeoutMs`. */
  next<T extends In['type']>(type: T, timeoutMs: number): Promise<Extract<In, { type: T }>>;
  /** Asks it to close, then stops the process. */
  close(): Promise<void>;
}

export interface SpawnIpcWorkerOptions {
  children: Children;
  /** Repository-relative entry. */
  entry: string;
  label: string;
  nodeFlags?: string[];
  /** taskset CPU list, or null for unpinned. */
  cpus: string | null;
}

/** Spawns a worker with its own open-files limit raised (thousands of sockets), pinned if asked. */
export function spawnIpcWorker<In extends Tagged, Out extends Tagged>(options: SpawnIpcWorkerOptions): IpcWorker<In, Out> {
  const child = options.children.spawnNode({
    entry: options.entry,
    ipc: true,
    label: options.label,
    echoStderr: true,
    nodeFlags: options.nodeFlags,
  });
  const inbox: In[] = [];
  type Waiter = { type: string; resolve: (m: In) => void; reject: (e: Error) => void };
  let waiters: Waiter[] = [];
  let dead: Error | null = null;
  const die = (err: Error) => {
    dead ??= err;
    for (const w of waiters.splice(0)) w.reject(dead);
  };
  child.on('message', (m: In | Fatal) => {
    if (m.type === 'fatal') return die(new Error(`${options.label} failed: ${(m as Fatal).message}`));
    const i = waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m as In);
    else inbox.push(m as In);
  });
  child.once('exit', (code, signal) => die(new Error(`${options.label} exited (${code ?? signal})\n${outputTail(child)}`)));
  raiseNofile(child.pid!);
  if (options.cpus) pinProcess(child.pid!, options.cpus);

  const post = (msg: Out) => {
    if (!dead && child.connected) child.send(msg);
  };
  return {
    child,
    post,
    next(type, timeoutMs) {
      type Of = Extract<In, { type: typeof type }>;
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0] as Of);
      if (dead) return Promise.reject(dead);
      return new Promise<Of>((resolve, reject) => {
        const waiter: Waiter = {
          type,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m as Of);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        };
        const timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          reject(new Error(`${options.label}: no ${type} in ${timeoutMs} ms\n${outputTail(child)}`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    async close() {
      post({ type: 'close' } as Out);
      await options.children.stop(child);
    },
  };
}

/**
 * The worker's side: every coordinator message goes to `handle`; a throw is reported as `fatal`
 * (the coordinator's waits reject with it). The coordinator owns the worker: when it goes, so
 * does the worker, with a clean exit (which also writes --cpu-prof profiles).
 */
export function serveCoordinator<In>(handle: (msg: In) => void): void {
  process.on('message', (msg: In) => {
    try {
      handle(msg);
    } catch (err) {
      const fatal: Fatal = { type: 'fatal', message: err instanceof Error ? (err.stack ?? err.message) : String(err) };
      process.send?.(fatal);
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}
