import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root, from this file's location (bench/src/children.ts). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const benchRoot = path.join(repoRoot, 'bench');

export interface SpawnNodeOptions {
  /** Script path, absolute or relative to the repo root; TypeScript runs through tsx, JavaScript as is. */
  entry: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Give the child an IPC channel (generator workers). */
  ipc?: boolean;
  /** A label for log lines. */
  label: string;
  /** Forward the child's stderr lines to ours (prefixed). */
  echoStderr?: boolean;
  /** Forward its stdout too (ChatChat logs to stdout; at LOG_LEVEL=warn only trouble shows). */
  echoStdout?: boolean;
}

/**
 * Every process the bench starts, so that any exit path (normal, error, signal) ends them all.
 * Created once by the CLI and passed down.
 */
export interface Children {
  spawnNode(options: SpawnNodeOptions): ChildProcess;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the child has exited. */
  stop(child: ChildProcess, graceMs?: number): Promise<void>;
  stopAll(): Promise<void>;
  /** Synchronous last resort for process 'exit'. */
  killAllSync(): void;
}

/**
 * For tools without a shutdown of their own: a signal then ends the process through `exit`,
 * whose handlers stop the children (by default a signal ends it without them).
 */
export function exitOnSignals(): void {
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));
}

export function createChildren(): Children {
  const live = new Set<ChildProcess>();

  const stop = async (child: ChildProcess, graceMs = 3000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      live.delete(child);
      return;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
    live.delete(child);
  };

  return {
    spawnNode(options) {
      const stdio: StdioOptions = ['ignore', 'pipe', 'pipe'];
      if (options.ipc) stdio.push('ipc');
      const entry = path.isAbsolute(options.entry) ? options.entry : path.join(repoRoot, options.entry);
      const loader = entry.endsWith('.ts') ? ['--import', 'tsx'] : [];
      const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...loader, entry, ...(options.args ?? [])], {
        cwd: repoRoot,
        env: options.env ?? process.env,
        stdio,
      });
      live.add(child);
      child.once('exit', () => live.delete(child));
      let tail = '';
      const keep = (chunk: Buffer) => {
        tail = (tail + chunk.toString()).slice(-4000);
      };
      child.stdout?.on('data', (chunk: Buffer) => {
        keep(chunk);
        if (options.echoStdout) process.stderr.write(prefixLines(`[${options.label}] `, chunk.toString()));
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        keep(chunk);
        if (options.echoStderr) process.stderr.write(prefixLines(`[${options.label}] `, chunk.toString()));
      });
      Object.defineProperty(child, 'outputTail', { get: () => tail });
      return child;
    },
    stop,
    async stopAll() {
      await Promise.all([...live].map((c) => stop(c)));
    },
    killAllSync() {
      for (const c of live) {
        try {
          c.kill('SIGKILL');
        } catch {
          // already gone
        }
      }
      live.clear();
    },
  };
}

/** Last lines a child printed (stdout and stderr), for error messages. */
export function outputTail(child: ChildProcess): string {
  return (child as ChildProcess & { outputTail?: string }).outputTail ?? '';
}

// The inspector (opened for forced GCs before memory readings) announces itself; that is not news.
const quiet = /^(Debugger listening on|For help, see: https:\/\/nodejs\.org)/;

function prefixLines(prefix: string, text: string): string {
  return text
    .split('\n')
    .filter((l) => l.length > 0 && !quiet.test(l))
    .map((l) => `${prefix}${l}\n`)
    .join('');
}

const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0;

/** Whether CPU pinning is available (taskset from util-linux). */
export function canPin(): boolean {
  return hasTaskset;
}

/** Pin every thread of a process to a CPU list like "0" or "1-3"; threads made later inherit it. */
export function pinProcess(pid: number, cpus: string): boolean {
  if (!hasTaskset) return false;
  return spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' }).status === 0;
}

/** The hard open-files limit of this process (children inherit it; it cannot be raised here). */
export function hardNofile(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const m = /Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/.exec(limits);
    if (!m) return 1024;
    return m[2] === 'unlimited' ? 1_048_576 : Number(m[2]);
  } catch {
    return 1024;
  }
}

/** Raise a process's soft open-files limit to its hard limit (which root cannot raise here). */
export function raiseNofile(pid: number): boolean {
  if (!hasPrlimit) return false;
  const hard = hardNofile();
  return spawnSync('prlimit', ['--pid', String(pid), `--nofile=${hard}:${hard}`], { stdio: 'ignore' }).status === 0;
}

/** The CPUs this machine has, e.g. 2. */
export function cpuCount(): number {
  const r = spawnSync('nproc', [], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isFinite(n) && n > 0 ? n : 1;
}
