import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { outputTail, type Children, type SpawnNodeOptions } from '../children.js';
import { inspectFlag, inspectorUrl } from './inspector.js';

/** A free TCP port on 127.0.0.1 (closed again before the server binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface StartedServer {
  child: ChildProcess;
  port: number;
  pid: number;
  /** Inspector WebSocket URL (loopback), used only to force a GC before memory readings. */
  inspector: string | null;
}

/** Start a node server on a free port and wait until GET /readyz answers 200 (or fail with its output). */
export async function startServer(
  children: Children,
  options: Omit<SpawnNodeOptions, 'env'> & {
    env: Record<string, string | undefined>;
    readyTimeoutMs?: number;
  },
): Promise<StartedServer> {
  const port = await freePort();
  const child = children.spawnNode({
    ...options,
    nodeFlags: [...(options.nodeFlags ?? []), inspectFlag],
    env: { ...process.env, ...options.env, PORT: String(port) },
  });
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${options.label} exited before ready:\n${outputTail(child)}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return { child, port, pid: child.pid!, inspector: inspectorUrl(child) };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await children.stop(child);
  throw new Error(`${options.label} not ready in time:\n${outputTail(child)}`);
}
