import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Limits } from '@chatchat/protocol';
import pg from 'pg';
import { liftedLimitsEnv } from '../../../packages/server/src/testing/lifted-limits.js';
import { outputTail, repoRoot, type Children } from '../children.js';
import { inParallel } from '../in-parallel.js';
import { chatchatEntry, chatchatSource } from './server-build.js';
import { startServer, type StartedServer } from './server-process.js';
import { roomMembers, type Plan, type PlanUser, type RoomGroupSpec, type RunningSystem } from './system.js';

/** Whether the ChatChat server can be started from this checkout. */
export function chatchatAvailable(): boolean {
  return existsSync(path.join(repoRoot, chatchatSource));
}

export interface ChatChatOptions {
  children: Children;
  /** Admin URL of a PostgreSQL server: a fresh database is created for the run and dropped after. */
  postgresAdminUrl?: string;
  /** MongoDB store: starts a FerretDB for the run (tools/ferretdb) and stops it after. */
  mongodb?: boolean;
  redisUrl?: string;
  redisPid?: number | null;
  /** Gateway processes; more than one needs PostgreSQL and Redis (scale-out mode). */
  gateways?: number;
  nodeFlags?: string[];
  /** Parallel sign-ups while setting up (argon2 runs in the server's thread pool). */
  signupConcurrency?: number;
  /** Server environment over the defaults (e.g. a limit the bench lifts, set back). */
  env?: Record<string, string>;
}

const jwtSecret = 'bench-secret-not-for-production-0123456789';

/** Start ChatChat (SQLite in a temp dir, or a fresh PostgreSQL database), driven through its HTTP API. */
export async function startChatChat(options: ChatChatOptions): Promise<RunningSystem> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chatchat-bench-'));
  const gateways = options.gateways ?? 1;
  let dbName: string | null = null;
  let databaseUrl: string | undefined;
  if (options.postgresAdminUrl) {
    dbName = `chatchat_bench_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
    await adminQuery(options.postgresAdminUrl, `CREATE DATABASE ${dbName}`);
    const u = new URL(options.postgresAdminUrl);
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();
  }
  let ferret: { databaseUrl(): string; stop(): Promise<void> } | undefined;
  if (options.mongodb) {
    const { startFerretDb } = await import('../../../packages/server/src/testing/ferretdb.js');
    ferret = await startFerretDb();
    databaseUrl = ferret.databaseUrl();
  }
  // One prefix per run, shared by its gateways: no leftovers of another run share the channels.
  const redisPrefix = options.redisUrl ? `bench${Date.now().toString(36)}:` : undefined;
  const servers: StartedServer[] = [];
  const cleanup = async () => {
    await Promise.all(servers.map((s) => options.children.stop(s.child, 10_000)));
    rmSync(dataDir, { recursive: true, force: true });
    await ferret?.stop();
    if (dbName && options.postgresAdminUrl) {
      await adminQuery(options.postgresAdminUrl, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    }
  };
  try {
    // Scale-out mode does not migrate on start: migrate once, as a deploy would, before any server.
    if (databaseUrl)
      await migrate(options.children, { DATABASE_URL: databaseUrl, DATA_DIR: dataDir, JWT_SECRET: jwtSecret, LOG_LEVEL: 'warn' });
    for (let i = 0; i < gateways; i++) {
      servers.push(
        await startServer(options.children, {
          entry: chatchatEntry(),
          args: ['serve'],
          label: `chatchat#${i}`,
          nodeFlags: options.nodeFlags,
          echoStderr: true,
          echoStdout: true,
          readyTimeoutMs: 120_000,
          env: {
            HOST: '127.0.0.1',
            DATA_DIR: dataDir,
            DATABASE_URL: databaseUrl,
            REDIS_URL: options.redisUrl,
            REDIS_PREFIX: redisPrefix,
            ROLE: 'all',
            LOG_LEVEL: 'warn',
            JWT_SECRET: jwtSecret,
            // The load comes from one address, thousands of sockets at once, open-loop.
            ...liftedLimitsEnv,
            // Signing up 15,000 users takes longer than the default 15-minute token life.
            ACCESS_TOKEN_TTL_SEC: '86400',
            ...options.env,
          },
        }),
      );
    }
  } catch (err) {
    await cleanup();
    throw err;
  }
  const api = `http://127.0.0.1:${servers[0]!.port}/api/v1`;
  const store = ferret ? 'mongodb' : databaseUrl ? 'postgres' : 'sqlite';
  const redisPid = options.redisPid ?? null;
  return {
    name: 'chatchat',
    label: gateways > 1 ? `chatchat x${gateways} (${store}) + redis` : `chatchat (${store})`,
    wsUrls: servers.map((s) => `ws://127.0.0.1:${s.port}`),
    pids: servers.map((s) => s.pid),
    inspectors: servers.flatMap((s) => (s.inspector ? [s.inspector] : [])),
    auxPids: () => [...(redisPid ? [redisPid] : []), ...(dbName ? postgresBackendPids() : [])],
    async setup(userCount: number, groups: RoomGroupSpec[]): Promise<Plan> {
      const t0 = performance.now();
      const runTag = Date.now().toString(36);
      const users: PlanUser[] = new Array(userCount);
      await inParallel(userCount, options.signupConcurrency ?? 16, async (i) => {
        const body = (await postJson(`${api}/auth/signup`, null, {
          username: `b${runTag}_${i}`,
          password: 'bench-password-1',
          displayName: `Bench ${i}`,
        })) as { user: { id: string }; accessToken: string };
        users[i] = { id: body.user.id, token: body.accessToken };
      });
      const rooms: Plan['rooms'] = [];
      const specs = groups.flatMap((g) => Array.from({ length: g.rooms }, (_, k) => ({ g, k })));
      const created: string[] = new Array(specs.length);
      await inParallel(specs.length, 8, async (i) => {
        const { g, k } = specs[i]!;
        const members = roomMembers(g, k, userCount);
        const owner = users[members[0]!]!;
        const memberIds = [...new Set(members.slice(1).map((m) => users[m]!.id))].filter((id) => id !== owner.id);
        // A call takes at most maxMembersPerCall users: a bigger room is created, then invited to in batches.
        const batch = Limits.maxMembersPerCall;
        const body = (await postJson(`${api}/rooms`, owner.token, { name: `${g.group} ${k}`, memberIds: memberIds.slice(0, batch) })) as {
          room: { id: string };
        };
        for (let from = batch; from < memberIds.length; from += batch)
          await postJson(`${api}/rooms/${body.room.id}/members`, owner.token, { userIds: memberIds.slice(from, from + batch) });
        created[i] = body.room.id;
      });
      specs.forEach(({ g, k }, i) => rooms.push({ id: created[i]!, group: g.group, members: roomMembers(g, k, userCount) }));
      return { users, rooms, setupSeconds: (performance.now() - t0) / 1000 };
    },
    close: cleanup,
  };
}

async function migrate(children: Children, env: Record<string, string>): Promise<void> {
  const child = children.spawnNode({
    entry: chatchatEntry(),
    args: ['migrate'],
    label: 'chatchat-migrate',
    env: { ...process.env, ...env },
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  if (code !== 0) throw new Error(`chatchat migrate exited ${code}:\n${outputTail(child)}`);
}

async function postJson(url: string, token: string | null, body: unknown): Promise<unknown> {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    if (res.ok) return JSON.parse(text);
    // Setup runs far above any sane client rate; back off if the server still says so.
    if (res.status === 429 && attempt < 20) {
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      continue;
    }
    throw new Error(`POST ${url} → ${res.status} ${text.slice(0, 300)}`);
  }
}

async function adminQuery(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** PostgreSQL server processes (all of them: other users of the server add noise, said in the report). */
function postgresBackendPids(): number[] {
  const pids: number[] = [];
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
        if (comm === 'postgres') pids.push(Number(entry));
      } catch {
        // raced with exit
      }
    }
  } catch {
    // no /proc
  }
  return pids;
}
