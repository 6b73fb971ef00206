import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second for /proc/<pid>/stat times; 100 on every Linux we know of, asked once. */
function readClockTicks(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}
const clockTicks = readClockTicks();

/** User + system CPU seconds of a process (all its threads), or null when it is gone. */
export function readCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) may hold spaces or parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / clockTicks;
  } catch {
    return null;
  }
}

/** Resident set size in bytes, or null when the process is gone. */
export function readRssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+) kB/.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Bytes the processes sent to the storage layer (`write_bytes` of /proc/<pid>/io, counted when
 * pages are dirtied): WAL appends, checkpoints and table writes, not socket writes. Missing ones
 * count as zero.
 */
export function sumStorageWriteBytes(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const m = /write_bytes:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
      total += m ? Number(m[1]) : 0;
    } catch {
      // gone or not ours
    }
  }
  return total;
}

/** Sum of CPU seconds over a set of pids; missing ones count as zero. */
export function sumCpuSeconds(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) total += readCpuSeconds(pid) ?? 0;
  return total;
}

/** Monotonic microseconds, system-wide on Linux (CLOCK_MONOTONIC), so comparable across processes. */
export function nowUs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e6 + ns / 1e3;
}

/** A CPU counter over a window: call start(), then stop() for seconds used by these pids in between. */
export interface CpuWindow {
  start(): void;
  stop(): number;
}

export function createCpuWindow(pids: () => readonly number[]): CpuWindow {
  let base = new Map<number, number>();
  return {
    start() {
      base = new Map(pids().map((p) => [p, readCpuSeconds(p) ?? 0]));
    },
    stop() {
      let total = 0;
      for (const [pid, before] of base) total += Math.max(0, (readCpuSeconds(pid) ?? before) - before);
      return total;
    },
  };
}

/** CPU seconds the whole machine spent busy (all cores, everything but idle and iowait). */
export function readMachineBusySeconds(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return (total - idle) / clockTicks;
  } catch {
    return 0;
  }
}
