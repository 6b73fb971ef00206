import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../../ports/store.js';
import { startFerretDb, type RunningFerretDb } from '../../../testing/ferretdb.js';
import { createStore } from '../index.js';

const run = promisify(execFile);
const sender = fileURLToPath(new URL('./mongo-sender-process.ts', import.meta.url));
type Sent = { id: string; seq: number; clientMsgId: string; duplicate: boolean };

describe('mongodb store: concurrent senders in separate processes (FerretDB)', () => {
  let ferret: RunningFerretDb;
  let store: Store;
  let url: string;

  beforeAll(async () => {
    ferret = await startFerretDb();
    url = ferret.databaseUrl();
    store = await createStore({ kind: 'mongodb', url });
    await store.migrate();
  }, 30 * 60_000);
  afterAll(async () => {
    await store?.close();
    await ferret?.stop();
  });

  it('keeps one room gap-free and duplicate-free with 3 processes × 200 sends, each sent twice at once', async () => {
    const now = new Date().toISOString();
    const users = await Promise.all(
      [0, 1, 2].map((i) => store.createUser({ username: `p${i}`, displayName: `P${i}`, passwordHash: 'h', now })),
    );
    const room = await store.createRoom({ kind: 'group', name: 'busy', creatorId: users[0]!.id, memberIds: users.map((u) => u.id), now });
    const outputs = await Promise.all(
      users.map((u, i) =>
        run(process.execPath, ['--import', 'tsx', sender, url, room.id, u.id, `p${i}`, '200'], {
          maxBuffer: 64 * 1024 * 1024,
          timeout: 300_000,
        }),
      ),
    );
    const results = outputs.flatMap((o) => JSON.parse(o.stdout.trim()) as Sent[]);
    expect(results).toHaveLength(1200);
    // Each send and its racing retry got the same message; exactly one of the two is new.
    const byKey = new Map<string, Sent[]>();
    for (const r of results) byKey.set(r.clientMsgId, [...(byKey.get(r.clientMsgId) ?? []), r]);
    expect(byKey.size).toBe(600);
    for (const pair of byKey.values()) {
      expect(new Set(pair.map((r) => r.id)).size).toBe(1);
      expect(pair.filter((r) => !r.duplicate)).toHaveLength(1);
    }
    const stored = await store.listMessages(room.id, { afterSeq: 0, limit: 10_000 });
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    expect(new Set(stored.map((m) => m.clientMsgId)).size).toBe(600);
    expect((await store.getRoom(room.id))?.lastSeq).toBe(600);
    // Each process's own sends are numbered in its call order.
    for (let i = 0; i < 3; i++) {
      const mine = stored.filter((m) => m.senderId === users[i]!.id).map((m) => Number(m.clientMsgId!.split('-')[1]));
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
  }, 300_000);
});
