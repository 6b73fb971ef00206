import os from 'node:os';
import { Redis } from 'ioredis';
import type { Children } from './children.js';
import type { SuiteResult } from './report/results.js';
import { runSession, type CpuPlan } from './scenarios/session.js';
import { chatchatAvailable, startChatChat } from './systems/chatchat.js';
import { chatchatServerKind } from './systems/server-build.js';
import { startPeer } from './systems/peer.js';
import type { RunningSystem } from './systems/system.js';
import type { Job } from './suites.js';

export interface RunSuiteOptions {
  suite: string;
  jobs: Job[];
  children: Children;
  cpu: CpuPlan;
  workers: number;
  postgresAdminUrl: string;
  redisUrl: string;
  /** Directory for ChatChat CPU profiles (node --cpu-prof), or null. */
  cpuProfDir: string | null;
  /** Extra node flags for ChatChat processes (e.g. --heapsnapshot-signal=SIGUSR2). */
  serverNodeFlags: string[];
  /** Extra node flags for the generator workers. */
  generatorNodeFlags: string[];
  /** Stop at the first failing job (smoke) instead of recording it as skipped. */
  failFast: boolean;
  log: (line: string) => void;
}

export async function runSuite(options: RunSuiteOptions): Promise<SuiteResult> {
  const t0 = performance.now();
  const result: SuiteResult = {
    suite: options.suite,
    startedAt: new Date().toISOString(),
    durationSec: 0,
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadStart: os.loadavg()[0]!,
      loadEnd: 0,
      serverCpus: options.cpu.serverCpus,
      generatorCpus: options.cpu.generatorCpus,
      generatorWorkers: options.workers,
      chatchatServer: chatchatServerKind(),
    },
    setup: [],
    idle: [],
    measurements: [],
    sweeps: [],
    skipped: [],
    notes: [],
  };
  for (const job of options.jobs) {
    if (job.system.name === 'chatchat' && !chatchatAvailable()) {
      result.skipped.push(`${job.title}: ChatChat server not found in this checkout`);
      continue;
    }
    let system: RunningSystem | null = null;
    try {
      options.log(`── ${job.title}`);
      system = await startSystem(options, job);
      const s = await runSession(
        { children: options.children, cpu: options.cpu, generatorNodeFlags: options.generatorNodeFlags, log: options.log },
        system,
        job.spec,
      );
      result.setup.push(s.setup);
      result.idle.push(...s.idle);
      result.measurements.push(...s.measurements);
      result.sweeps.push(...s.sweeps);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      options.log(`${job.title} failed: ${message}`);
      if (options.failFast) throw err;
      result.skipped.push(`${job.title}: ${message.split('\n')[0]}`);
    } finally {
      await system?.close();
    }
  }
  result.machine.loadEnd = os.loadavg()[0]!;
  result.durationSec = (performance.now() - t0) / 1000;
  return result;
}

async function startSystem(options: RunSuiteOptions, job: Job): Promise<RunningSystem> {
  const { name, store, processes } = job.system;
  const clustered = processes > 1;
  const redisPid = clustered ? await findRedisPid(options.redisUrl) : null;
  if (name === 'chatchat') {
    return startChatChat({
      children: options.children,
      postgresAdminUrl: store === 'postgres' ? options.postgresAdminUrl : undefined,
      mongodb: store === 'mongodb',
      redisUrl: clustered ? options.redisUrl : undefined,
      redisPid,
      gateways: processes,
      nodeFlags: [...(options.cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfDir] : []), ...options.serverNodeFlags],
    });
  }
  return startPeer({ children: options.children, name, processes, redisUrl: clustered ? options.redisUrl : undefined, redisPid });
}

/** Redis server pid, so its CPU can be reported next to the cluster's (it runs on this machine). */
async function findRedisPid(url: string): Promise<number | null> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const info = await redis.info('server');
    const m = /process_id:(\d+)/.exec(info);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}
