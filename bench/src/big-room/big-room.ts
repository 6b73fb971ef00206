/**
 * One room of N members on one gateway (issue 15, goal 5): every member connected, S of them
 * sending P msg/s in total, every member reading each message as it arrives the way the SDK
 * does. Reports deliveries per server CPU-second (to hold against the rooms-of-100 fan-out
 * figure, `--reference`), frames per member per second by kind (message.created, room.read
 * receipts, presence.updated, other), latencies, server CPU and RSS; and the connect-up's
 * frames per member (presence), which grow with N.
 *
 * Open files: raise `ulimit -n` above N in the shell that runs this (20,000 per process here).
 * Usage: tsx bench/src/big-room/big-room.ts [--members N] [--senders S] [--rate P] [--duration s]
 *        [--warmup s] [--cooldown s] [--body n] [--workers n] [--reads sdk|none] [--read-debounce MS] [--reference D]
 *        [--cpu-prof DIR] [--out DIR]
 * `--reads none` is a diagnostic, not a client: no room.read at all, to part the fan-out's cost from the reads'.
 * `--read-debounce MS` is a what-if, not the SDK: at most one room.read per member per MS.
 */
import { readSpacingMs } from '@chatchat/protocol';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { benchRoot, canPin, cpuCount, createChildren, exitOnSignals, hardNofile, pinProcess } from '../children.js';
import { mergeHistograms, summarise } from '../histogram.js';
import { createCpuWindow, nowUs, readMachineBusySeconds, readRssBytes } from '../proc-stats.js';
import { startChatChat } from '../systems/chatchat.js';
import { mergeCounts } from '../workers/worker-pool.js';
import { deliveriesPerCpuSec, renderMarkdown, saturation, summariseFrames, type BigRoomResult } from './big-room-report.js';
import { createMemberPool, type MemberPool } from './member-pool.js';

const { values } = parseArgs({
  options: {
    members: { type: 'string' },
    senders: { type: 'string' },
    rate: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    cooldown: { type: 'string' },
    body: { type: 'string' },
    workers: { type: 'string' },
    'connect-concurrency': { type: 'string' },
    reads: { type: 'string' },
    'read-debounce': { type: 'string' },
    reference: { type: 'string' },
    'cpu-prof': { type: 'string' },
    out: { type: 'string' },
  },
});
const members = Number(values.members ?? 5000);
const senders = Math.min(members, Number(values.senders ?? 20));
const rate = Number(values.rate ?? 20);
const durationMs = Number(values.duration ?? 10) * 1000;
const warmupMs = Number(values.warmup ?? 3) * 1000;
const cooldownMs = Number(values.cooldown ?? 1) * 1000;
const bodyChars = Number(values.body ?? 100);
// Senders on one worker, readers on one per generator CPU (see member-pool.ts homeOf).
const workers = Number(values.workers ?? 1 + Math.max(1, cpuCount() - 1));
const connectConcurrency = Number(values['connect-concurrency'] ?? 50);
const reads = values.reads === 'none' ? 'none' : 'sdk';
// The SDK's own spacing of a big room's reads unless `--read-debounce` asks for another (a what-if).
const readWhatIf = values['read-debounce'] !== undefined;
const readDebounceMs = readWhatIf ? Number(values['read-debounce']) : readSpacingMs(members);
const reference = values.reference ? Number(values.reference) : null;
const outDir = path.resolve(values.out ?? path.join(benchRoot, 'results'));

const children = createChildren();
process.on('exit', () => children.killAllSync());
exitOnSignals();
const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

/** Polls until `value` stops moving for `quietMs` (or `timeoutMs` passes); resolves with the time it last moved. */
async function untilQuiet(value: () => Promise<number>, quietMs: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = await value();
  let movedAt = nowUs();
  while (Date.now() < deadline && nowUs() - movedAt < quietMs * 1000) {
    await sleep(100);
    const v = await value();
    if (v !== last) {
      last = v;
      movedAt = nowUs();
    }
  }
  return movedAt;
}

async function measure(pool: MemberPool, serverPids: number[], connected: number) {
  const serverCpu = createCpuWindow(() => serverPids);
  const genCpu = createCpuWindow(() => [...pool.pids, process.pid]);
  const startUs = nowUs() + 300_000;
  pool.run({ startUs, warmupMs, durationMs, cooldownMs, bodyChars }, rate);
  const windowStartUs = startUs + warmupMs * 1000;
  const windowEndUs = windowStartUs + durationMs * 1000;
  await sleep((windowStartUs - nowUs()) / 1000);
  serverCpu.start();
  genCpu.start();
  let machine = readMachineBusySeconds();
  await sleep((windowEndUs - nowUs()) / 1000);
  const serverCpuSec = serverCpu.stop();
  const genCpuSec = genCpu.stop();
  machine = readMachineBusySeconds() - machine;
  const serverRssMb = serverPids.reduce((a, p) => a + (readRssBytes(p) ?? 0), 0) / 1e6;
  await sleep((windowEndUs + cooldownMs * 1000 - nowUs()) / 1000);
  // Drain: until every delivery of the window's messages has arrived, or they stop arriving (bounded).
  await untilQuiet(
    async () => {
      const p = await pool.progress();
      return p.delivered >= p.sent * connected && p.acked >= p.sent ? -1 : p.delivered + p.acked;
    },
    1500,
    30_000,
  );
  return { serverCpuSec, genCpuSec, otherCpuSec: Math.max(0, machine - serverCpuSec - genCpuSec), serverRssMb, windowStartUs, windowEndUs };
}

async function main() {
  if (hardNofile() < members + 100) throw new Error(`open files: raise ulimit -n above ${members + 100} (hard limit ${hardNofile()})`);
  const startedAt = new Date().toISOString();
  const cpuProf = values['cpu-prof'] ? path.resolve(values['cpu-prof']) : null;
  const system = await startChatChat({ children, nodeFlags: cpuProf ? ['--cpu-prof', '--cpu-prof-dir', cpuProf] : [] });
  try {
    log(`setting up ${members} users in one room`);
    const plan = await system.setup(members, [{ group: 'big', rooms: 1, size: members }]);
    log(`set up in ${plan.setupSeconds.toFixed(1)} s`);
    if (canPin()) {
      for (const pid of system.pids) pinProcess(pid, '0');
      pinProcess(process.pid, '1');
    }
    const connectCpu = createCpuWindow(() => system.pids);
    connectCpu.start();
    const t0 = nowUs();
    const { pool, connected, failed, errors } = await createMemberPool({
      children,
      url: system.wsUrls[0]!,
      roomId: plan.rooms[0]!.id,
      users: plan.users,
      senders,
      workers,
      cpus: canPin() ? '1' : null,
      connectConcurrency,
      reads,
      readDebounceMs,
      nodeFlags: [],
    });
    try {
      // The connect-up ends when its presence fan-out has been delivered, not when the last hello is answered.
      const quietAt = await untilQuiet(async () => (await pool.progress()).frames, 1000, 10 * 60_000);
      const connectSec = (quietAt - t0) / 1e6;
      const connectCpuSec = connectCpu.stop();
      log(`${connected} connected (${failed} failed) in ${connectSec.toFixed(1)} s, server ${connectCpuSec.toFixed(1)} CPU-s`);
      if (connected === 0) throw new Error(`no member connected: ${JSON.stringify(errors)}`);

      const m = await measure(pool, system.pids, connected);
      const results = await pool.collect();
      const sum = (f: (r: (typeof results)[number]) => number) => results.reduce((a, r) => a + f(r), 0);
      const windowSec = durationMs / 1000;
      const result: BigRoomResult = {
        startedAt,
        members,
        connected,
        senders,
        rate,
        workers,
        reads,
        readDebounceMs,
        readWhatIf,
        windowSec,
        setupSec: plan.setupSeconds,
        connect: {
          seconds: connectSec,
          serverCpuSec: connectCpuSec,
          frames: summariseFrames(
            results.map((r) => r.connect),
            1,
          ),
          startUs: t0,
          endUs: quietAt,
        },
        sent: sum((r) => r.sent),
        acked: sum((r) => r.acked),
        delivered: sum((r) => r.delivered),
        expected: sum((r) => r.sent) * connected,
        readsSent: sum((r) => r.readsSent),
        readReplies: sum((r) => r.readReplies),
        ...m,
        delivery: summarise(mergeHistograms(results.map((r) => r.deliveryHist))),
        ack: summarise(mergeHistograms(results.map((r) => r.ackHist))),
        readReply: summarise(mergeHistograms(results.map((r) => r.readReplyHist))),
        sendLag: summarise(mergeHistograms(results.map((r) => r.sendLagHist))),
        frames: summariseFrames(
          results.map((r) => r.window),
          windowSec,
        ),
        errors: mergeCounts([errors, ...results.map((r) => r.errors)]),
        referenceDeliveriesPerCpuSec: reference,
      };
      log(
        `window: ${result.delivered} deliveries of ${result.expected}, ${deliveriesPerCpuSec(result).toFixed(0)}/CPU-s` +
          `${saturation(result).length ? ` (⚠ ${saturation(result).join('; ')})` : ''}, ` +
          `server ${((m.serverCpuSec / windowSec) * 100).toFixed(0)} %, gen ${((m.genCpuSec / windowSec) * 100).toFixed(0)} %, ` +
          `p50/p99 ${result.delivery.p50}/${result.delivery.p99} ms, reads ${result.readsSent}`,
      );
      for (const k of result.frames.kinds) log(`  ${k.kind}: p50 ${k.p50.toFixed(1)}/s, max ${k.max.toFixed(1)}/s per member`);
      mkdirSync(outDir, { recursive: true });
      const stem = path.join(outDir, `big-room-${startedAt.replace(/[:.]/g, '-').slice(0, 19)}`);
      const command = `npx tsx bench/src/big-room/big-room.ts ${process.argv.slice(2).join(' ')}`.trim();
      writeFileSync(`${stem}.md`, renderMarkdown(result, command));
      writeFileSync(`${stem}.json`, JSON.stringify(result, null, 2));
      log(`report: ${stem}.md`);
    } finally {
      await pool.close();
    }
  } finally {
    await system.close();
    await children.stopAll();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
