import type { ChildProcess } from 'node:child_process';
import WebSocket from 'ws';
import { outputTail } from '../children.js';

/** Node flag that opens the inspector on a free loopback port (the URL is printed on stderr). */
export const inspectFlag = '--inspect=127.0.0.1:0';

/** The inspector WebSocket URL a child printed ("Debugger listening on ws://…"), or null. */
export function inspectorUrl(child: ChildProcess): string | null {
  const m = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+)/.exec(outputTail(child));
  return m ? m[1]! : null;
}

/**
 * A full GC in the server, then its JS heap in use: so idle memory is read from live objects, the
 * same way for every system, not from whatever garbage the last connects left behind.
 * Returns the heap in use and the heap V8 has committed, in bytes, or null if the inspector is not
 * reachable.
 */
export async function collectGarbage(url: string, timeoutMs = 10_000): Promise<{ used: number; total: number } | null> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      setTimeout(() => reject(new Error('inspector connect timeout')), timeoutMs).unref();
    });
    let nextId = 1;
    const call = (method: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const id = nextId++;
        const onMessage = (data: Buffer) => {
          const msg = JSON.parse(data.toString()) as { id?: number; result?: Record<string, unknown>; error?: unknown };
          if (msg.id !== id) return;
          ws.off('message', onMessage);
          if (msg.error) reject(new Error(JSON.stringify(msg.error)));
          else resolve(msg.result ?? {});
        };
        ws.on('message', onMessage);
        ws.send(JSON.stringify({ id, method }));
        setTimeout(() => reject(new Error(`${method} timeout`)), timeoutMs).unref();
      });
    await call('HeapProfiler.collectGarbage');
    const usage = await call('Runtime.getHeapUsage');
    return typeof usage.usedSize === 'number' && typeof usage.totalSize === 'number'
      ? { used: usage.usedSize, total: usage.totalSize }
      : null;
  } catch {
    return null;
  } finally {
    ws.terminate();
  }
}
