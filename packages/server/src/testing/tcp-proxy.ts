import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP fault proxy for tests: point the app at `port` instead of its dependency, then break
 * the link in the ways networks break, without touching the real server other tests share.
 */
export interface TcpProxy {
  readonly port: number;
  /** Connections open now (both directions of a link count once). */
  readonly connections: number;
  /** Destroys every open connection, and every new one at once, until resume(): the server looks down. */
  cut(): void;
  /** Stops forwarding bytes in both directions on every connection, old and new, until resume(): a stalled network. */
  pause(): void;
  /**
   * A partition: bytes in both directions are dropped, new connections are accepted and then
   * hear nothing, nobody gets a reset. On resume() the links that lost bytes are destroyed
   * (their streams have holes, as after a TCP timeout); new connections work again.
   */
  blackhole(): void;
  /** Resets (RST) every open connection now; new connections are accepted as usual. */
  reset(): void;
  /** Delays every chunk by `ms` in each direction, order kept (0 turns it off). */
  setLatency(ms: number): void;
  /** Caps each direction of each connection to `bytesPerSec` (0 or undefined: unlimited). */
  setBandwidth(bytesPerSec: number | undefined): void;
  /** Back to normal forwarding (latency and bandwidth settings stay). */
  resume(): void;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  targetPort: number;
  targetHost?: string;
}

type Mode = 'open' | 'cut' | 'paused' | 'blackhole';

interface Link {
  client: Socket;
  upstream: Socket;
  /** Lost bytes while blackholed: the stream cannot be trusted again. */
  broken: boolean;
  /** Restart each direction's queue after a pause. */
  kicks: (() => void)[];
}

export async function createTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const targetHost = options.targetHost ?? '127.0.0.1';
  let mode: Mode = 'open';
  let latencyMs = 0;
  let bytesPerSec = 0;
  const links = new Set<Link>();
  /** Connections accepted during a blackhole: never forwarded, destroyed on resume. */
  const stranded = new Set<Socket>();

  function destroyLink(link: Link, reset = false): void {
    links.delete(link);
    for (const s of [link.client, link.upstream]) {
      if (reset && !s.destroyed && typeof s.resetAndDestroy === 'function' && s.readyState === 'open') s.resetAndDestroy();
      else s.destroy();
    }
  }

  /**
   * One direction of a link: chunks queue in order and leave after the latency, no faster
   * than the bandwidth allows. Backpressure: the source pauses while the target is full.
   */
  function forward(link: Link, from: Socket, to: Socket): void {
    const queue: { chunk: Buffer; due: number }[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    let nextFreeAt = 0;

    const pump = () => {
      timer = undefined;
      if (mode === 'paused') return;
      while (queue.length > 0) {
        const head = queue[0]!;
        const now = Date.now();
        if (head.due > now) {
          timer = setTimeout(pump, head.due - now);
          return;
        }
        queue.shift();
        if (!to.write(head.chunk)) {
          from.pause();
          return;
        }
      }
    };
    from.on('data', (chunk: Buffer) => {
      if (mode === 'blackhole') {
        link.broken = true;
        return;
      }
      const now = Date.now();
      let due = now + latencyMs;
      if (bytesPerSec > 0) {
        const start = Math.max(now, nextFreeAt);
        nextFreeAt = start + (chunk.length / bytesPerSec) * 1000;
        due = Math.max(due, nextFreeAt);
      }
      queue.push({ chunk, due });
      if (!timer) pump();
    });
    to.on('drain', () => {
      if (mode === 'open' || mode === 'blackhole') {
        from.resume();
        if (!timer) pump();
      }
    });
    from.on('end', () => to.end());
    from.on('close', () => destroyLink(link));
    from.on('error', () => destroyLink(link));
    link.kicks.push(() => {
      if (!timer) pump();
    });
  }

  const server = createServer({ pauseOnConnect: true }, (client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    if (mode === 'blackhole') {
      stranded.add(client);
      client.on('close', () => stranded.delete(client));
      client.on('error', () => client.destroy());
      client.on('data', () => {});
      client.resume();
      return;
    }
    const upstream = createConnection({ port: options.targetPort, host: targetHost });
    const link: Link = { client, upstream, broken: false, kicks: [] };
    links.add(link);
    forward(link, client, upstream);
    forward(link, upstream, client);
    if (mode === 'paused') upstream.pause();
    else client.resume();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');

  const eachSocket = (fn: (s: Socket) => void) => {
    for (const link of links) {
      fn(link.client);
      fn(link.upstream);
    }
  };

  return {
    port: address.port,
    get connections() {
      return links.size;
    },
    cut() {
      mode = 'cut';
      for (const link of [...links]) destroyLink(link);
    },
    pause() {
      mode = 'paused';
      eachSocket((s) => s.pause());
    },
    blackhole() {
      mode = 'blackhole';
    },
    reset() {
      for (const link of [...links]) destroyLink(link, true);
    },
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    setBandwidth(limit) {
      bytesPerSec = limit && limit > 0 ? limit : 0;
    },
    resume() {
      const was = mode;
      mode = 'open';
      if (was === 'blackhole') {
        for (const link of [...links]) if (link.broken) destroyLink(link);
        for (const socket of stranded) socket.destroy();
      }
      eachSocket((s) => s.resume());
      for (const link of links) for (const kick of link.kicks) kick();
    },
    async close() {
      mode = 'cut';
      for (const link of [...links]) destroyLink(link);
      for (const socket of stranded) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
