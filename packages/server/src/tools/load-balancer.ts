import http, { type IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';

/**
 * A tiny layer-7 balancer for running a cluster on one machine (the ALB's job in AWS):
 * `/ws` upgrades go round-robin to gateways, everything else to api processes. A backend
 * that refuses the connection is skipped, so killing a gateway sends its clients' reconnects
 * to the others.
 */
export interface LoadBalancerOptions {
  port?: number;
  host?: string;
  gateways: { host?: string; port: number }[];
  apis: { host?: string; port: number }[];
}

export interface LoadBalancer {
  readonly port: number;
  setGateways(gateways: LoadBalancerOptions['gateways']): void;
  setApis(apis: LoadBalancerOptions['apis']): void;
  close(): Promise<void>;
}

type Backend = { host?: string; port: number };

function rotation(list: () => Backend[]) {
  let next = 0;
  return () => {
    const backends = list();
    const start = next++ % Math.max(1, backends.length);
    return [...backends.slice(start), ...backends.slice(0, start)];
  };
}

function connectFirst(candidates: Backend[], onConnected: (socket: net.Socket) => void, onFail: () => void) {
  const [first, ...rest] = candidates;
  if (!first) return onFail();
  const socket = net.connect(first.port, first.host ?? '127.0.0.1');
  socket.once('connect', () => onConnected(socket));
  socket.once('error', () => {
    socket.destroy();
    connectFirst(rest, onConnected, onFail);
  });
}

function rawHead(req: IncomingMessage): string {
  const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
  for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

export async function startLoadBalancer(options: LoadBalancerOptions): Promise<LoadBalancer> {
  let gateways = options.gateways;
  let apis = options.apis;
  const nextGateways = rotation(() => gateways);
  const nextApis = rotation(() => apis);
  const sockets = new Set<Duplex>();
  const track = (s: Duplex) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };

  const server = http.createServer((req, res) => {
    const candidates = req.url?.startsWith('/ws') ? nextGateways() : nextApis();
    const attempt = (list: Backend[]) => {
      const [backend, ...rest] = list;
      if (!backend) {
        res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":{"code":"unavailable","message":"no backend"}}');
        return;
      }
      const upstream = http.request(
        { host: backend.host ?? '127.0.0.1', port: backend.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.once('error', (err: NodeJS.ErrnoException) => {
        // Only a refused connection is safe to retry elsewhere: the request never reached a backend.
        if (err.code === 'ECONNREFUSED' && !res.headersSent) attempt(rest);
        else res.destroy();
      });
      req.pipe(upstream);
    };
    attempt(candidates);
  });

  server.on('upgrade', (req, client: Duplex, head: Buffer) => {
    track(client);
    connectFirst(
      nextGateways(),
      (upstream) => {
        track(upstream);
        upstream.write(rawHead(req));
        if (head.length) upstream.write(head);
        upstream.pipe(client).pipe(upstream);
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
      },
      () => client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'),
    );
  });
  server.on('connection', track);

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    setGateways(list) {
      gateways = list;
    },
    setApis(list) {
      apis = list;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
