/**
 * Where an idle connection's JS heap goes: two heap snapshots of a ChatChat server (after a full
 * GC), N and 2N authenticated idle sockets, diffed by object kind and divided by the N added.
 * Usage: tsx bench/src/memory/heap-diff.ts [--conns N] [--top K]
 */
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createChildren, exitOnSignals } from '../children.js';
import { startChatChat } from '../systems/chatchat.js';
import { heapSnapshotSummary, type HeapSummary } from './heap-snapshot.js';

const { values } = parseArgs({ options: { conns: { type: 'string' }, top: { type: 'string' } } });
const n = Number(values.conns ?? 1000);
const top = Number(values.top ?? 40);

const children = createChildren();
process.on('exit', () => children.killAllSync());
exitOnSignals();

async function connect(url: string, token: string): Promise<WebSocket> {
  const ws = new WebSocket(`${url}/ws`, { perMessageDeflate: false });
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(JSON.stringify({ id: '1', op: 'hello', data: { token } })));
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { re?: string; ok?: boolean };
      if (frame.re === '1') frame.ok ? resolve() : reject(new Error('hello refused'));
    });
  });
  return ws;
}

async function main() {
  const system = await startChatChat({ children, nodeFlags: ['--inspect=127.0.0.1:0'] });
  try {
    const users = 2 * n;
    // Like the quick suite's fan-out users: every user in one room of 10 and one of 100.
    const plan = await system.setup(users, [
      { group: 'ten', rooms: users / 10, size: 10 },
      { group: 'hundred', rooms: users / 100, size: 100 },
    ]);
    const url = system.wsUrls[0]!;
    const inspector = system.inspectors[0]!;
    const sockets: WebSocket[] = [];
    for (const u of plan.users.slice(0, n)) sockets.push(await connect(url, u.token));
    const a = await heapSnapshotSummary(inspector);
    for (const u of plan.users.slice(n)) sockets.push(await connect(url, u.token));
    const b = await heapSnapshotSummary(inspector);
    report(a, b);
    for (const s of sockets) s.terminate();
  } finally {
    await system.close();
    await children.stopAll();
  }
}

function report(a: HeapSummary, b: HeapSummary) {
  const rows = [...b.byKind].map(([kind, after]) => {
    const before = a.byKind.get(kind) ?? { bytes: 0, count: 0 };
    return { kind, bytes: (after.bytes - before.bytes) / n, count: (after.count - before.count) / n };
  });
  rows.sort((x, y) => y.bytes - x.bytes);
  const total = (b.totalBytes - a.totalBytes) / n;
  process.stdout.write(`live heap per added connection: ${(total / 1024).toFixed(2)} KB (${n} added)\n`);
  process.stdout.write('bytes/conn  objects/conn  kind\n');
  for (const r of rows.slice(0, top))
    process.stdout.write(`${r.bytes.toFixed(0).padStart(10)}  ${r.count.toFixed(2).padStart(12)}  ${r.kind}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
