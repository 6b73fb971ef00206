import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** tools/ferretdb: a tiny Go program around FerretDB's embeddable package (see its main.go). */
const toolDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../tools/ferretdb');
export const ferretDbBinary = join(toolDir, 'bin', 'ferretdb');

function goCommand(): string {
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0) return 'go';
  // Where Go lives on these machines when it is not on PATH.
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  throw new Error('FerretDB needs Go to build (https://go.dev/dl); neither `go` nor /usr/local/go/bin/go was found');
}

const stale = () => {
  if (!existsSync(ferretDbBinary)) return true;
  const built = statSync(ferretDbBinary).mtimeMs;
  return ['main.go', 'go.mod', 'go.sum'].some((f) => statSync(join(toolDir, f)).mtimeMs > built);
};

/**
 * Builds tools/ferretdb/bin/ferretdb unless it is up to date. Cold (empty Go module and
 * build caches) this downloads FerretDB's modules and compiles them: minutes. Parallel
 * callers (test workers) take turns on a lock directory and build once.
 */
export function ensureFerretDbBinary(log: (line: string) => void = () => {}): string {
  if (!stale()) return ferretDbBinary;
  const lock = join(toolDir, 'bin', '.building');
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process builds; wait for it (Atomics.wait: a blocking pause without a busy loop).
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
      if (!existsSync(lock) && !stale()) return ferretDbBinary;
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 30 * 60_000) rmSync(lock, { recursive: true, force: true });
    }
  }
  try {
    if (!stale()) return ferretDbBinary;
    log('building FerretDB (tools/ferretdb), first time only; cold this takes minutes');
    const res = spawnSync(goCommand(), ['build', '-trimpath', '-o', 'bin/ferretdb', '.'], {
      cwd: toolDir,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (res.status !== 0) throw new Error(`building FerretDB failed (exit ${res.status ?? res.signal})`);
    return ferretDbBinary;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export interface RunningFerretDb {
  /** mongodb://127.0.0.1:PORT/ (no database: add one per test with `databaseUrl`). */
  url: string;
  /** A URL naming a fresh database on this server (databases appear on first write). */
  databaseUrl(): string;
  stop(): Promise<void>;
}

/**
 * Starts FerretDB on a free port with its SQLite files in a temp dir, resolved once it
 * says it is ready. It exits with us even on kill -9: it watches its stdin pipe.
 */
export async function startFerretDb(): Promise<RunningFerretDb> {
  const binary = ensureFerretDbBinary((l) => process.stderr.write(`${l}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'chatchat-ferretdb-'));
  const port = await freePort();
  const child: ChildProcess = spawn(binary, ['--port', String(port), '--dir', dir, '--exit-on-stdin-close'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (mongodb:\/\/\S+)/.exec(out);
      if (m) resolveUrl(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`FerretDB exited (${code}) before it was ready: ${stderr}`)));
    child.once('error', reject);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let stopping: Promise<void> | undefined;
  return {
    url,
    databaseUrl: () => `${url}chatchat_t_${randomBytes(6).toString('hex')}`,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
