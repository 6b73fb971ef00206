/**
 * Benchmark entry point. Usage:
 *   tsx bench/src/cli.ts <smoke|quick|full|fanout|idle|persist|cluster> [--flag value …]
 * See bench/README.md for every flag and what each scenario measures.
 */
import { mkdirSync, writeFileSync, copyFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchRoot, canPin, cpuCount, createChildren, pinProcess } from './children.js';
import { systemNames, type SystemName } from './drivers/wire-driver.js';
import { renderMarkdown } from './report/markdown.js';
import { renderSvg } from './report/svg.js';
import { runSuite } from './run-suite.js';
import { buildJobs, suiteDefaults, type SuiteParams } from './suites.js';

const suites = ['smoke', 'quick', 'full', 'fanout', 'idle', 'persist', 'cluster'] as const;
type SuiteName = (typeof suites)[number];

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    systems: { type: 'string' },
    out: { type: 'string' },
    'server-cpus': { type: 'string' },
    'gen-cpus': { type: 'string' },
    workers: { type: 'string' },
    users: { type: 'string' },
    'room-size': { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    body: { type: 'string' },
    sweep: { type: 'boolean' },
    repeat: { type: 'string' },
    'sweep-steps': { type: 'string' },
    conns: { type: 'string' },
    'conns-per-user': { type: 'string' },
    hold: { type: 'string' },
    'idle-room-size': { type: 'string' },
    gateways: { type: 'string' },
    inflight: { type: 'string' },
    stores: { type: 'string' },
    pg: { type: 'string' },
    redis: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'node-flags': { type: 'string' },
    'gen-cpu-prof': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});

if (positionals[0] === 'render') {
  // Re-render the Markdown and SVG of a saved run: tsx bench/src/cli.ts render bench/results/<run>.json
  for (const file of positionals.slice(1)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { params: unknown; result: import('./report/results.js').SuiteResult };
    const stem = file.replace(/\.json$/, '');
    writeFileSync(`${stem}.svg`, renderSvg(saved.result));
    writeFileSync(`${stem}.md`, renderMarkdown(saved.result, { params: saved.params, svgFile: `${path.basename(stem)}.svg` }));
    process.stdout.write(`rendered ${stem}.md and ${stem}.svg\n`);
  }
  process.exit(0);
}

const suite = (positionals[0] ?? 'quick') as SuiteName;
if (values.help || !suites.includes(suite)) {
  process.stdout.write(`usage: bench <${suites.join('|')}> [flags]; see bench/README.md\n`);
  process.exit(values.help ? 0 : 2);
}

const cores = cpuCount();
const pinning = canPin() && cores >= 2;
const serverCpus = pinning ? (values['server-cpus'] ?? '0') : null;
const generatorCpus = pinning ? (values['gen-cpus'] ?? (cores > 2 ? `1-${cores - 1}` : '1')) : null;
const generatorCores = generatorCpus ? countCpus(generatorCpus) : cores;
const num = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number(v));
const base = suite === 'smoke' || suite === 'full' ? suiteDefaults[suite] : suiteDefaults.quick;
const params: SuiteParams = { ...base };
if (values.systems) {
  params.systems = values.systems.split(',').map((s) => s.trim()) as SystemName[];
  for (const s of params.systems) if (!systemNames.includes(s)) throw new Error(`unknown system ${s}`);
}
// One generator process per generator core: more on one core only adds context switches.
params.workers = num(values.workers, suite === 'smoke' ? 1 : generatorCores);
params.bodyChars = num(values.body, params.bodyChars);
params.durationMs = num(values.duration, params.durationMs / 1000) * 1000;
params.warmupMs = num(values.warmup, params.warmupMs / 1000) * 1000;
params.fanoutUsers = num(values.users, params.fanoutUsers);
if (values['room-size'] || values.rate) {
  const size = num(values['room-size'], params.fanoutCases[0]!.size);
  const rate = num(values.rate, params.fanoutCases[0]!.rate);
  params.fanoutCases = [{ size, rate }];
  params.clusterCase = { size, rate };
}
if (values.sweep) params.sweep = true;
params.repeat = num(values.repeat, params.repeat);
params.sweepMaxSteps = num(values['sweep-steps'], params.sweepMaxSteps);
params.idleConns = num(values.conns, suite === 'idle' ? 15_000 : params.idleConns);
params.persistConns = num(values.conns, params.persistConns);
params.idleConnsPerUser = num(values['conns-per-user'], params.idleConnsPerUser);
params.idleHoldMs = num(values.hold, params.idleHoldMs / 1000) * 1000;
params.idleRoomSize = num(values['idle-room-size'], params.idleRoomSize);
params.idleGateways = num(values.gateways, params.idleGateways);
if (suite === 'idle') params.idleWorkers = num(values.workers, Math.max(params.idleWorkers, Math.ceil(params.idleConns / 4000)));
params.persistInflight = num(values.inflight, params.persistInflight);
if (values.stores) params.persistStores = values.stores.split(',') as SuiteParams['persistStores'];

const outDir = path.resolve(
  values.out ?? (suite === 'smoke' ? path.join(os.tmpdir(), 'chatchat-bench-smoke') : path.join(benchRoot, 'results')),
);
const children = createChildren();
const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping children`);
  void children.stopAll().finally(() => process.exit(130));
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('exit', () => children.killAllSync());

async function main(): Promise<void> {
  // The coordinator is generator work: keep it off the server's core.
  if (generatorCpus) pinProcess(process.pid, generatorCpus);
  const jobs = buildJobs(suite, params);
  log(`suite ${suite}: ${jobs.length} sessions; server CPUs ${serverCpus ?? 'unpinned'}, generator CPUs ${generatorCpus ?? 'unpinned'}`);
  const result = await runSuite({
    suite,
    jobs,
    children,
    cpu: { serverCpus, generatorCpus, generatorCores },
    workers: params.workers,
    postgresAdminUrl: values.pg ?? 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: values.redis ?? 'redis://127.0.0.1:6379',
    cpuProfDir: values['cpu-prof'] ? path.resolve(values['cpu-prof']) : null,
    serverNodeFlags: values['node-flags'] ? values['node-flags'].split(' ').filter(Boolean) : [],
    generatorNodeFlags: values['gen-cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(values['gen-cpu-prof'])] : [],
    failFast: suite === 'smoke',
    log,
  });
  result.notes.push(...suiteNotes(params, pinning));
  mkdirSync(outDir, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-').slice(0, 19);
  const baseName = `${suite}-${stamp}`;
  const svgName = `${baseName}.svg`;
  writeFileSync(path.join(outDir, `${baseName}.json`), JSON.stringify({ params, result }, null, 2));
  writeFileSync(path.join(outDir, svgName), renderSvg(result));
  writeFileSync(path.join(outDir, `${baseName}.md`), renderMarkdown(result, { params, svgFile: svgName }));
  if (suite === 'quick' || suite === 'full') {
    // latest.* is what the README's Performance section links to.
    for (const ext of ['json', 'svg']) copyFileSync(path.join(outDir, `${baseName}.${ext}`), path.join(outDir, `latest.${ext}`));
    writeFileSync(path.join(outDir, 'latest.md'), renderMarkdown(result, { params, svgFile: 'latest.svg' }));
  }
  log(`report: ${path.join(outDir, `${baseName}.md`)}`);
  await children.stopAll();
}

function countCpus(list: string): number {
  return list.split(',').reduce((n, part) => {
    const [a, b] = part.split('-').map(Number);
    return n + (b === undefined ? 1 : b! - a! + 1);
  }, 0);
}

function suiteNotes(p: SuiteParams, pinned: boolean): string[] {
  return [
    pinned
      ? `Server processes pinned to CPU ${serverCpus}, generator workers and coordinator to CPU ${generatorCpus} (taskset -a -p). PostgreSQL and Redis are shared system services and run unpinned.`
      : 'No CPU pinning (taskset missing or a single core): server and generator share cores.',
    'ChatChat stores every message (SQLite or PostgreSQL) before acking and fanning out; the peers (ws-relay, Socket.IO) store nothing. `-plain` peers are the same servers relaying without acknowledging sends (the stricter comparison); the others ack every send like ChatChat.',
    `Bodies are ${p.bodyChars} characters carrying the send time (CLOCK_MONOTONIC µs); latency is measured at each receiving connection, the sender's own echo included.`,
  ];
}

main().catch(async (err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  await children.stopAll();
  process.exit(1);
});
