import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from './pg-database.js';
import { startLoadBalancer, type LoadBalancer } from '../tools/load-balancer.js';
import { waitFor } from './wait-for.js';
import { mongoDatabaseUrl } from './test-store.js';
import { liftedLimitsEnv } from './lifted-limits.js';

const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));
/** tsx as a loader in the same process (its CLI would fork a child that a kill -9 of the parent leaves running). */
const node = (args: string[]) => [process.execPath, ['--import', 'tsx', cli, ...args]] as const;

/** One real `chatchat serve` child process. */
export interface NodeProcess {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly output: string[];
  kill(signal?: NodeJS.Signals): void;
}

export async function runCli(args: string[], env: Record<string, string>): Promise<string> {
  const child = spawn(...node(args), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`chatchat ${args.join(' ')} exited ${code}: ${out}`);
  return out;
}

export async function startNode(name: string, env: Record<string, string>): Promise<NodeProcess> {
  const child = spawn(...node(['serve']), {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  let port = 0;
  const onLine = (line: string) => {
    output.push(line);
    if (!port && line.includes('chatchat listening')) port = JSON.parse(line).port;
  };
  let buffer = '';
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d;
    let cut;
    while ((cut = buffer.indexOf('\n')) >= 0) {
      onLine(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 1);
    }
  });
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let dead = false;
  void exited.then(() => (dead = true));
  await waitFor(() => port || (dead ? Promise.reject(new Error(`${name} died: ${output.join('\n')}`)) : 0), {
    what: `${name} to listen`,
    timeoutMs: 60_000,
  });
  return {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    exited,
    output,
    kill: (signal = 'SIGTERM') => {
      if (!dead) child.kill(signal);
    },
  };
}

export interface Cluster {
  readonly env: Record<string, string>;
  readonly lb: LoadBalancer;
  /** Through the balancer, like a browser behind the ALB. */
  readonly url: string;
  readonly gateways: NodeProcess[];
  readonly apis: NodeProcess[];
  readonly workers: NodeProcess[];
  startGateway(name: string): Promise<NodeProcess>;
  startApi(name: string): Promise<NodeProcess>;
  close(): Promise<void>;
}

export interface ClusterOptions {
  gateways?: number;
  apis?: number;
  workers?: number;
  /** For every process (and the migration). */
  env?: Record<string, string>;
  /** Per process, over `env`: e.g. one gateway's REDIS_URL through a fault proxy. */
  nodeEnv?: (name: string, role: 'gateway' | 'api' | 'worker', env: Readonly<Record<string, string>>) => Record<string, string>;
}

/**
 * PostgreSQL (a fresh database), Redis (a fresh key prefix), `gateways` gateway processes,
 * `apis` api processes and a balancer in front: the scale-out deployment on one machine.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const mongoUrl = await mongoDatabaseUrl();
  const db = mongoUrl ? { url: mongoUrl, drop: async () => {} } : await createTestDatabase();
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    REDIS_URL: 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `cc-test-${randomBytes(4).toString('hex')}:`,
    JWT_SECRET: 'cluster-test-secret-0123456789',
    ...liftedLimitsEnv,
    READ_COALESCE_MS: '30',
    ...options.env,
  };
  await runCli(['migrate'], env);
  const nodes: NodeProcess[] = [];
  const gateways: NodeProcess[] = [];
  const apis: NodeProcess[] = [];
  const workers: NodeProcess[] = [];
  const start = async (name: string, role: 'gateway' | 'api' | 'worker') => {
    const node = await startNode(name, { ...env, ...options.nodeEnv?.(name, role, env), ROLE: role });
    nodes.push(node);
    return node;
  };
  try {
    gateways.push(...(await Promise.all(Array.from({ length: options.gateways ?? 2 }, (_, i) => start(`gateway-${i + 1}`, 'gateway')))));
    apis.push(...(await Promise.all(Array.from({ length: options.apis ?? 1 }, (_, i) => start(`api-${i + 1}`, 'api')))));
    // The worker reaps presence: without one, a dead gateway's users would stay online.
    workers.push(...(await Promise.all(Array.from({ length: options.workers ?? 1 }, (_, i) => start(`worker-${i + 1}`, 'worker')))));
  } catch (err) {
    for (const n of nodes) n.kill('SIGKILL');
    await db.drop();
    throw err;
  }
  let closing: Promise<void> | undefined;
  const lb = await startLoadBalancer({ gateways: gateways.map((g) => ({ port: g.port })), apis: apis.map((a) => ({ port: a.port })) });
  return {
    env,
    lb,
    url: `http://127.0.0.1:${lb.port}`,
    gateways,
    apis,
    workers,
    async startGateway(name) {
      const node = await start(name, 'gateway');
      gateways.push(node);
      lb.setGateways(gateways.map((g) => ({ port: g.port })));
      return node;
    },
    async startApi(name) {
      const node = await start(name, 'api');
      apis.push(node);
      lb.setApis(apis.map((a) => ({ port: a.port })));
      return node;
    },
    close() {
      closing ??= (async () => {
        await lb.close();
        for (const n of nodes) n.kill('SIGKILL');
        await Promise.all(nodes.map((n) => n.exited));
        await db.drop();
      })();
      return closing;
    },
  };
}
