import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy for tests that need a dependency to "go away" without touching the
 * real server other tests share: point the client at `port`, then cut or stall the link.
 */
export interface TcpProxy {
  readonly port: number;
  /** Destroys every open connection, and every new one at once, until resume(): the server looks down. */
  cut(): void;
  /** Stops forwarding bytes in both directions on every connection, old and new, until resume(): a stalled network. */
  pause(): void;
  /** Back to normal forwarding. */
  resume(): void;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  targetPort: number;
  targetHost?: string;
}

export async function createTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const targetHost = options.targetHost ?? '127.0.0.1';
  let state: 'open' | 'cut' | 'paused' = 'open';
  const sockets = new Set<Socket>();

  function track(socket: Socket): void {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  function forward(from: Socket, to: Socket): void {
    from.on('data', (chunk) => {
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (state === 'open') from.resume();
    });
    from.on('end', () => to.end());
    from.on('close', () => to.destroy());
  }

  const server = createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    if (state === 'cut') {
      client.destroy();
      return;
    }
    const upstream = createConnection({ port: options.targetPort, host: targetHost });
    track(upstream);
    forward(client, upstream);
    forward(upstream, client);
    if (state === 'paused') upstream.pause();
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

  return {
    port: address.port,
    cut() {
      state = 'cut';
      for (const socket of sockets) socket.destroy();
    },
    pause() {
      state = 'paused';
      for (const socket of sockets) socket.pause();
    },
    resume() {
      state = 'open';
      for (const socket of sockets) socket.resume();
    },
    async close() {
      state = 'cut';
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
