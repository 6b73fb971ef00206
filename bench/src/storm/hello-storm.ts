/**
 * The hello path under a storm: N users, each in K rooms of S members, all reconnecting at once
 * (C hellos in flight) to one ChatChat process pinned to one core. Reports hellos/s, hello reply
 * p50/p99 and the server's CPU per hello; `--cpu-prof DIR` profiles the server for the storm.
 * Each hello asks read pointers for R rooms (`--readers`, default 1: the room an app shows), as the SDK does.
 * Usage: tsx bench/src/storm/hello-storm.ts [--users N] [--rooms-per-user K] [--room-size S] [--readers R] [--concurrency C] [--cpu-prof DIR]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { canPin, createChildren, pinProcess } from '../children.js';
import { createHistogram, summarise } from '../histogram.js';
import { createCpuWindow, nowUs } from '../proc-stats.js';
import { startChatChat } from '../systems/chatchat.js';
import type { RoomGroupSpec } from '../systems/system.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string' },
    'rooms-per-user': { type: 'string' },
    'room-size': { type: 'string' },
    concurrency: { type: 'string' },
    readers: { type: 'string' },
    'cpu-prof': { type: 'string' },
  },
});
const users = Number(values.users ?? 2000);
const roomsPerUser = Number(values['rooms-per-user'] ?? 20);
const roomSize = Number(values['room-size'] ?? 100);
const concurrency = Number(values.concurrency ?? 200);
const readerRooms = Number(values.readers ?? 1);

const children = createChildren();
process.on('exit', () => children.killAllSync());
const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

/** Opens a socket and sends hello; resolves with the µs from open to the hello reply, after the socket is closed. */
function hello(url: string, token: string, readers: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/ws`, { perMessageDeflate: false });
    let t0 = 0;
    ws.once('error', reject);
    ws.once('open', () => {
      t0 = nowUs();
      ws.send(JSON.stringify({ id: '1', op: 'hello', data: { token, readers } }));
    });
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { re?: string; ok?: boolean; error?: { code: string } };
      if (frame.re !== '1') return;
      if (!frame.ok) reject(new Error(`hello refused: ${frame.error?.code}`));
      else resolve(nowUs() - t0);
    });
  });
}

async function main() {
  const cpuProf = values['cpu-prof'] ? path.resolve(values['cpu-prof']) : null;
  const system = await startChatChat({ children, nodeFlags: cpuProf ? ['--cpu-prof', '--cpu-prof-dir', cpuProf] : [] });
  try {
    // Every user in `roomsPerUser` rooms: groups of rooms with shifted member windows.
    const roomsPerGroup = Math.ceil(users / roomSize);
    const groups: RoomGroupSpec[] = Array.from({ length: roomsPerUser }, (_, g) => ({
      group: `g${g}`,
      rooms: roomsPerGroup,
      size: roomSize,
      userOffset: Math.floor((g * roomSize) / roomsPerUser),
    }));
    log(`setting up ${users} users, ${roomsPerUser} × ${roomsPerGroup} rooms of ${roomSize}`);
    const plan = await system.setup(users, groups);
    log(`set up in ${plan.setupSeconds.toFixed(1)} s`);
    if (canPin()) for (const pid of system.pids) pinProcess(pid, '0');
    if (canPin()) pinProcess(process.pid, '1');
    const url = system.wsUrls[0]!;
    const roomsOf = plan.users.map(() => [] as string[]);
    for (const room of plan.rooms) for (const m of room.members) roomsOf[m]!.push(room.id);
    const hist = createHistogram();
    // The open sockets stay open until the end: a storm ends with everyone connected.
    const cpu = createCpuWindow(() => system.pids);
    cpu.start();
    const t0 = nowUs();
    let next = 0;
    let failed = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < plan.users.length) {
          const i = next++;
          try {
            hist.recordValue(Math.max(1, await hello(url, plan.users[i]!.token, roomsOf[i]!.slice(0, readerRooms))));
          } catch {
            failed++;
          }
        }
      }),
    );
    const seconds = (nowUs() - t0) / 1e6;
    const cpuSeconds = cpu.stop();
    const s = summarise(hist);
    log(
      `${plan.users.length - failed} hellos (${failed} failed) in ${seconds.toFixed(2)} s: ${((plan.users.length - failed) / seconds).toFixed(0)} hellos/s, ` +
        `reply p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms; server ${cpuSeconds.toFixed(2)} CPU-s ` +
        `(${((cpuSeconds / (plan.users.length - failed)) * 1e6).toFixed(0)} µs per hello); window ${Math.round(t0)}–${Math.round(t0 + seconds * 1e6)} µs`,
    );
  } finally {
    await system.close();
    await children.stopAll();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
