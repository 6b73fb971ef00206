/**
 * The scale-out deployment on one machine, to watch it work:
 *   balancer :8080 → gateways :8081 :8082 (/ws), api :8083 (/api); worker :8084 (periodic jobs)
 * against local PostgreSQL (database `chatchat_cluster`, created if missing) and Redis.
 * Ctrl-C drains every process (SIGTERM) and exits.
 *
 *   npm run cluster                         # BASE_PORT=8080 by default
 *   DATABASE_URL=postgres://… REDIS_URL=redis://… npm run cluster
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startLoadBalancer } from '../packages/server/src/tools/load-balancer.js';

const basePort = Number(process.env.BASE_PORT ?? 8080);
const adminUrl = process.env.PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const databaseUrl = process.env.DATABASE_URL ?? adminUrl.replace(/\/[^/]*$/, '/chatchat_cluster');
const cli = fileURLToPath(new URL('../packages/server/src/cli.ts', import.meta.url));
const env = {
  ...process.env,
  DATABASE_URL: databaseUrl,
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  JWT_SECRET: process.env.JWT_SECRET ?? 'local-cluster-secret-change-me',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
};

async function ensureDatabase() {
  if (process.env.DATABASE_URL) return;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  const exists = await client.query('select 1 from pg_database where datname = $1', ['chatchat_cluster']);
  if (!exists.rowCount) await client.query('create database chatchat_cluster');
  await client.end();
}

function run(name: string, args: string[], extra: Record<string, string> = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    env: { ...env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `${name.padEnd(10)}| `;
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (d: Buffer) =>
      process.stdout.write(
        `${d
          .toString()
          .trimEnd()
          .split('\n')
          .map((l) => prefix + l)
          .join('\n')}\n`,
      ),
    );
  }
  return child;
}

await ensureDatabase();
const migrate = run('migrate', ['migrate']);
if ((await new Promise((r) => migrate.on('exit', r))) !== 0) process.exit(1);

const nodes = [
  { name: 'gateway-1', role: 'gateway', port: basePort + 1 },
  { name: 'gateway-2', role: 'gateway', port: basePort + 2 },
  { name: 'api-1', role: 'api', port: basePort + 3 },
  // Periodic jobs: takes a dead gateway's users offline.
  { name: 'worker-1', role: 'worker', port: basePort + 4 },
].map((n) => ({ ...n, child: run(n.name, ['serve'], { ROLE: n.role, PORT: String(n.port), HOST: '127.0.0.1' }) }));

const lb = await startLoadBalancer({
  port: basePort,
  host: '0.0.0.0',
  gateways: nodes.filter((n) => n.role === 'gateway').map((n) => ({ port: n.port })),
  apis: nodes.filter((n) => n.role === 'api').map((n) => ({ port: n.port })),
});
console.log(`balancer  | http://localhost:${lb.port}  (/ws → gateways ${basePort + 1}, ${basePort + 2}; /api → ${basePort + 3})`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    for (const n of nodes) n.child.kill('SIGTERM');
    await Promise.all(nodes.map((n) => new Promise((r) => (n.child.exitCode !== null ? r(null) : n.child.on('exit', r)))));
    await lb.close();
    process.exit(0);
  });
}
