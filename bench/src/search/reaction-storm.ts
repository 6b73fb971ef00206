import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { Limits } from '@chatchat/protocol';
import { loadConfig } from '../../../packages/server/src/config.js';
import { startChatServer } from '../../../packages/server/src/app.js';
import { createLogger } from '../../../packages/server/src/logger.js';
import { createAccessTokens } from '../../../packages/server/src/features/auth/tokens.js';
import type { UserRecord } from '../../../packages/server/src/ports/store.js';
import { systemClock } from '../../../packages/server/src/ports/clock.js';

export interface StormResult {
  members: number;
  reactors: number;
  windowMs: number;
  framesMedian: number;
  framesMax: number;
  framesTotal: number;
  settleMs: number;
  ackP50: number;
  ackP99: number;
}

const emoji = ['👍', '❤️', '😂', '🎉', '🙏'];

/** `reactors` members of a `members`-member room react to one message at once; every member is connected. */
export async function runReactionStorm({ members, reactors }: { members: number; reactors: number }): Promise<StormResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chatchat-storm-'));
  const secret = 'bench-secret-0123456789abcdef';
  const server = await startChatServer(
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      JWT_SECRET: secret,
      RATE_LIMIT_OPS_PER_SEC: '100000',
      RATE_LIMIT_BURST: '100000',
    }),
    { log: createLogger({ level: 'silent' }) },
  );
  const sockets: WebSocket[] = [];
  try {
    const now = new Date().toISOString();
    // Users straight into the store: argon2 sign-ups are setup, not what is measured.
    const users: UserRecord[] = [];
    for (let i = 0; i < members; i++)
      users.push(await server.store.createUser({ username: `storm_${i}`, displayName: `S${i}`, passwordHash: 'x', now }));
    const room = await server.store.createRoom({
      kind: 'group',
      name: 'storm',
      creatorId: users[0]!.id,
      memberIds: users.slice(1).map((u) => u.id),
      now,
    });
    const tokens = createAccessTokens({ secret, ttlSec: 3600, clock: systemClock });
    const message = await server.services.messages.send(users[0]!.id, { roomId: room.id, body: 'react!', clientMsgId: 'storm' });

    const frames: number[] = new Array(members).fill(0);
    const totals: number[] = new Array(members).fill(0);
    const acks = new Map<string, (at: number) => void>();
    let settledAt = 0;
    let settledCount = 0;
    // Connected 50 at a time: a thousand handshakes at once overflow the listen backlog.
    const connectOne = async (u: (typeof users)[number], i: number) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`);
      sockets[i] = ws;
      await new Promise<void>((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const token = await tokens.sign({ userId: u.id, sessionId: randomUUID() });
      await new Promise<void>((resolve) => {
        ws.on('message', (raw) => {
          const frame = JSON.parse(raw.toString()) as { re?: string; ev?: string; data?: { reactions?: Array<{ count: number }> } };
          if (frame.re === 'hello') return resolve();
          if (frame.re) return acks.get(frame.re)?.(performance.now());
          if (frame.ev === 'reaction.updated') {
            frames[i]!++;
            totals[i] = (frame.data!.reactions ?? []).reduce((s, r) => s + r.count, 0);
            if (totals[i] === reactors) {
              settledCount++;
              if (settledCount === members) settledAt = performance.now();
            }
          }
        });
        ws.send(JSON.stringify({ id: 'hello', op: 'hello', data: { token } }));
      });
    };
    for (let i = 0; i < users.length; i += 50) await Promise.all(users.slice(i, i + 50).map((u, k) => connectOne(u, i + k)));

    const started = performance.now();
    const ackTimes = await Promise.all(
      users.slice(0, reactors).map(
        (_, i) =>
          new Promise<number>((resolve) => {
            const id = `r${i}`;
            const sent = performance.now();
            acks.set(id, (at) => resolve(at - sent));
            sockets[i]!.send(JSON.stringify({ id, op: 'reaction.add', data: { messageId: message.id, emoji: emoji[i % emoji.length] } }));
          }),
      ),
    );
    const deadline = Date.now() + 30_000;
    while (settledCount < members && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    ackTimes.sort((a, b) => a - b);
    const sortedFrames = [...frames].sort((a, b) => a - b);
    return {
      members,
      reactors,
      windowMs: Limits.reactionCoalesceMs,
      framesMedian: sortedFrames[Math.floor(members / 2)]!,
      framesMax: sortedFrames[members - 1]!,
      framesTotal: frames.reduce((a, b) => a + b, 0),
      settleMs: settledAt ? settledAt - started : Number.NaN,
      ackP50: ackTimes[Math.floor(ackTimes.length / 2)]!,
      ackP99: ackTimes[Math.floor(ackTimes.length * 0.99)]!,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
