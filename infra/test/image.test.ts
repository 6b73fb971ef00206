import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatClient, type ChatClient, type ChatClientOptions } from '@chatchat/client';
import { createTestDatabase } from '../../packages/server/src/testing/pg-database.js';
import { startLoadBalancer, type LoadBalancer } from '../../packages/server/src/tools/load-balancer.js';
import { drainTimings, environments } from '../src/config.js';
import { podman, podmanLimits, podmanUnavailable } from './podman.js';

/**
 * The production image, built from the Dockerfile and run for real with podman: api, two
 * gateways and a worker as containers on the host network against the local PostgreSQL and
 * Redis, configured from environment variables alone (as ECS injects Parameter Store and
 * Secrets Manager values). No registry is reachable, so the base is a local Node 20 image
 * (scripts/local-node-base.sh), passed as BASE.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const image = 'localhost/chatchat:test';
// npm test installs podman (scripts/ensure-podman.sh): without it this is a failure, not a skip.
const unavailable = podmanUnavailable();

const drainTimeoutMs = environments.dev.app.drainTimeoutMs;
const { stopTimeoutSec } = drainTimings(environments.dev);
const run = `chatchat-test-${randomBytes(3).toString('hex')}`;
const timings: Record<string, number> = {};
const containers: string[] = [];
const clients: ChatClient[] = [];
let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let lb: LoadBalancer | undefined;
let ports: { api: number; gateway1: number; gateway2: number; worker: number };

async function timed<T>(name: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  try {
    return await work();
  } finally {
    timings[name] = Date.now() - started;
  }
}

/** Polls until `check` is truthy (events here are across processes; there is nothing to subscribe to). */
async function until<T>(check: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function freePorts(): typeof ports {
  // Host network: distinct ports in a range the other test files (port 0) do not pick from.
  const base = 20_000 + Math.floor(Math.random() * 9_000);
  return { api: base, gateway1: base + 1, gateway2: base + 2, worker: base + 3 };
}

async function start(name: string, role: string, port: number, env: Record<string, string>): Promise<string> {
  const container = `${run}-${name}`;
  const envArgs = Object.entries({ ...env, ROLE: role, PORT: String(port), HOST: '127.0.0.1' }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  await podman([
    'run',
    '-d',
    '--name',
    container,
    '--network',
    'host',
    '--init',
    '--no-healthcheck',
    ...podmanLimits,
    '--read-only',
    ...envArgs,
    image,
  ]);
  containers.push(container);
  return container;
}

const readyz = async (port: number) => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok;

async function signup(name: string) {
  const res = await fetch(`http://127.0.0.1:${ports.api}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: name, password: 'correct horse battery', displayName: name }),
  });
  if (res.status !== 201) throw new Error(`signup ${res.status}: ${await res.text()}`);
  return (await res.json()) as { accessToken: string; user: { id: string } };
}

function client(url: string, token: string): ChatClient {
  const c = createChatClient({
    url,
    token,
    WebSocket: WebSocket as unknown as ChatClientOptions['WebSocket'],
    backoff: { initialMs: 20, maxMs: 200 },
  });
  clients.push(c);
  return c;
}

it.runIf(Boolean(unavailable))('podman can run containers here (bash scripts/ensure-podman.sh installs it)', () => {
  throw new Error(unavailable);
});

describe.skipIf(Boolean(unavailable))('container image (podman)', () => {
  beforeAll(async () => {
    const base = await timed('base image (cached after the first run)', async () =>
      (
        await promisify(execFile)('bash', [`${repo}/scripts/local-node-base.sh`], { timeout: 20 * 60_000, maxBuffer: 64 * 1024 * 1024 })
      ).stdout.trim(),
    );
    await timed('podman build', () =>
      podman(['build', '--format', 'docker', ...podmanLimits, '--build-arg', `BASE=${base}`, '-t', image, repo], {
        timeoutMs: 40 * 60_000,
      }),
    );
    timings['image size MB'] = Math.round(Number(await podman(['image', 'inspect', '--format', '{{.Size}}', image])) / 1e6);

    db = await createTestDatabase();
    ports = freePorts();
    const env = {
      DATABASE_URL: db.url.replace('localhost', '127.0.0.1'),
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_PREFIX: `${run}:`,
      JWT_SECRET: randomBytes(24).toString('base64url'),
      DRAIN_TIMEOUT_MS: String(drainTimeoutMs),
      LOG_LEVEL: 'warn',
    };
    await timed('migrate (a one-off container)', () =>
      podman([
        'run',
        '--rm',
        '--network',
        'host',
        ...podmanLimits,
        ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
        image,
        'migrate',
      ]),
    );
    await timed('four containers ready', async () => {
      await start('api', 'api', ports.api, env);
      await start('gateway-1', 'gateway', ports.gateway1, env);
      await start('gateway-2', 'gateway', ports.gateway2, env);
      await start('worker', 'worker', ports.worker, env);
      for (const port of Object.values(ports)) await until(() => readyz(port), `/readyz on ${port}`, 60_000);
    });
    lb = await startLoadBalancer({ gateways: [{ port: ports.gateway1 }, { port: ports.gateway2 }], apis: [{ port: ports.api }] });
  }, 60 * 60_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await lb?.close();
    if (containers.length) await podman(['rm', '-f', '-t', '0', ...containers]).catch(() => {});
    await db?.drop();
    console.log(`container image test timings (ms): ${JSON.stringify(timings)}`);
  }, 120_000);

  it('runs as a non-root user with a health check and SIGTERM as its stop signal', async () => {
    const [inspected] = JSON.parse(await podman(['image', 'inspect', image])) as {
      Config: { User: string; StopSignal: string; Entrypoint: string[]; Healthcheck?: { Test: string[] } };
      Healthcheck?: { Test: string[] };
    }[];
    const config = inspected!.Config;
    // podman reports the health check beside Config, Docker inside it.
    const healthcheck = inspected!.Healthcheck ?? config.Healthcheck;
    expect(config.User).toBe('10001:10001');
    expect(config.StopSignal).toBe('SIGTERM');
    expect(healthcheck?.Test.join(' ')).toContain('/readyz');
    expect(config.Entrypoint).toEqual(['node', '--enable-source-maps', 'dist/cli.js']);
    // Production dependencies only: no test runner, no TypeScript, no CDK in the image.
    const modules = await podman(['run', '--rm', ...podmanLimits, '--entrypoint', 'ls', image, 'node_modules']);
    for (const dev of ['vitest', 'typescript', 'aws-cdk-lib', 'tsx', 'socket.io']) expect(modules.split('\n')).not.toContain(dev);
    expect(modules.split('\n')).toContain('better-sqlite3');
  }, 120_000);

  it('every role answers /readyz', async () => {
    for (const port of Object.values(ports)) expect(await readyz(port)).toBe(true);
  });

  it('an SDK client chats across the two gateway containers', async () => {
    const [a, b] = [await signup(`img_a_${run.slice(-6)}`), await signup(`img_b_${run.slice(-6)}`)];
    const res = await fetch(`http://127.0.0.1:${ports.api}/api/v1/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${a.accessToken}` },
      body: JSON.stringify({ name: 'Containers', memberIds: [b.user.id] }),
    });
    const room = ((await res.json()) as { room: { id: string } }).room;
    const ca = client(`ws://127.0.0.1:${ports.gateway1}/ws`, a.accessToken);
    const cb = client(`ws://127.0.0.1:${ports.gateway2}/ws`, b.accessToken);
    await Promise.all([ca.connect(), cb.connect()]);
    const m1 = await ca.send(room.id, 'from gateway 1');
    await until(() => cb.messages(room.id).some((m) => m.seq === m1.seq), 'message on gateway 2');
    const m2 = await cb.send(room.id, 'from gateway 2');
    await until(() => ca.messages(room.id).some((m) => m.seq === m2.seq), 'message on gateway 1');
  }, 60_000);

  it('podman stop drains a gateway within stopTimeout while a client keeps sending, losing nothing acknowledged', async () => {
    const [a, b] = [await signup(`img_c_${run.slice(-6)}`), await signup(`img_d_${run.slice(-6)}`)];
    const res = await fetch(`http://127.0.0.1:${ports.api}/api/v1/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${a.accessToken}` },
      body: JSON.stringify({ name: 'Drain', memberIds: [b.user.id] }),
    });
    const room = ((await res.json()) as { room: { id: string } }).room;
    const url = `ws://127.0.0.1:${lb!.port}/ws`;
    // Round robin: the sender lands on gateway 1 (the one stopped), the receivers on both.
    const sender = client(url, a.accessToken);
    await sender.connect();
    const receivers = [client(url, b.accessToken), client(url, b.accessToken)];
    await Promise.all(receivers.map((r) => r.connect()));
    const closes: number[] = [];
    for (const c of [sender, ...receivers]) c.on('disconnected', (info) => closes.push(info.code));

    let sending = true;
    const acked: number[] = [];
    const traffic = (async () => {
      for (let i = 0; sending && i < 5000; i++) acked.push((await sender.send(room.id, `d${i}`)).seq);
    })();
    await until(() => acked.length >= 10, 'traffic before the stop');

    const stopped = Date.now();
    await podman(['stop', '-t', String(stopTimeoutSec), `${run}-gateway-1`], { timeoutMs: (stopTimeoutSec + 30) * 1000 });
    timings['gateway drain (podman stop)'] = Date.now() - stopped;
    lb!.setGateways([{ port: ports.gateway2 }]);
    const state = JSON.parse(await podman(['inspect', '--format', '{{json .State}}', `${run}-gateway-1`])) as { ExitCode: number };
    expect(state.ExitCode, 'drained and exited by itself, not killed').toBe(0);
    expect(timings['gateway drain (podman stop)']).toBeLessThan(stopTimeoutSec * 1000);

    const afterStop = acked.length;
    await until(() => acked.length >= afterStop + 10, 'traffic through the remaining gateway', 60_000);
    sending = false;
    await traffic;
    expect(closes).toContain(4503);
    const sorted = [...acked].sort((x, y) => x - y);
    expect(sorted).toEqual(Array.from({ length: sorted.length }, (_, i) => sorted[0]! + i));
    for (const r of receivers) {
      await until(
        () => acked.every((seq) => r.messages(room.id).some((m) => m.seq === seq)),
        'every acknowledged message at each receiver',
        30_000,
      );
    }
  }, 180_000);
});
