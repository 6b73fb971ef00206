import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { CloseCodes, Limits, Ops, isOpName, opNames, type OpName } from '@chatchat/protocol';
import type { Bus } from '../ports/bus.js';
import type { Services } from '../services.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../observability/metrics.js';
import { AppError, toErrorBody } from '../errors.js';
import { Connection } from './connection.js';
import { createConnectionRegistry } from './connection-registry.js';
import { createHello } from './hello.js';
import { createOpHandlers, type AuthenticatingOpEntry, type OpEntry } from './op-handlers.js';
import { parseRequest, type ParsedRequest } from './request-parser.js';
import { RateLimiter } from './rate-limiter.js';
import { createSharedRateLimits } from './shared-rate-limits.js';
import { clientAddress, originAllowed, refuseUpgrade } from './upgrade-policy.js';
import { errorSource } from '../observability/error-source.js';

export interface GatewayOptions {
  server: Server;
  bus: Bus;
  services: Services;
  log: Logger;
  metrics: Metrics;
  heartbeatMs: number;
  authTimeoutMs: number;
  maxBufferedBytes: number;
  /** Per user across their sockets on this process (per socket until `hello`). */
  rateLimitOpsPerSec: number;
  rateLimitBurst: number;
  maxSocketsPerUser: number;
  /** Hellos answered at once; more are refused until some finish (see hello.ts). */
  maxPendingHellos: number;
  maxAnonymousSocketsPerAddress: number;
  maxInFlightPerSocket: number;
  /** Origins browsers may connect from; null: the Host's own origin only. */
  allowedOrigins: readonly string[] | null;
  /** Take the client address from X-Forwarded-For (behind a load balancer). */
  trustProxy: boolean;
  path?: string;
}

export type Gateway = ReturnType<typeof createGateway>;

const validators = Object.fromEntries(opNames.map((op) => [op, TypeCompiler.Compile(Ops[op].data)])) as {
  [K in OpName]: TypeCheck<(typeof Ops)[K]['data']>;
};

function validationMessage(op: OpName, data: unknown): string {
  const first = validators[op].Errors(data).First();
  return first ? `${op}: ${first.path || 'data'} ${first.message}` : `${op}: invalid data`;
}

type AnyOpEntry = OpEntry<OpName> | AuthenticatingOpEntry<OpName>;

/** The `/ws` edge: authenticates, routes requests to services, and fans bus events out to sockets. */
export function createGateway(options: GatewayOptions) {
  const { server, bus, services, log, metrics } = options;
  const path = options.path ?? '/ws';
  const wss = new WebSocketServer({ noServer: true, maxPayload: Limits.maxFrameBytes, perMessageDeflate: false });
  const registry = createConnectionRegistry({ bus, log, onDelivered: (event, n) => metrics.eventsDelivered.inc({ ev: event }, n) });
  const userRateLimits = createSharedRateLimits(options.rateLimitOpsPerSec, options.rateLimitBurst);
  /** Sockets per address that have not completed `hello`. */
  const anonymousByAddress = new Map<string, number>();
  const countedAnonymous = new WeakSet<Connection>();
  const tornDown = new WeakSet<Connection>();
  let draining = false;
  /** Presence work of closed sockets still under way; close() waits for it before the bus goes. */
  const leaving = new Set<Promise<unknown>>();

  function releaseAnonymous(conn: Connection) {
    if (!countedAnonymous.delete(conn)) return;
    const left = (anonymousByAddress.get(conn.address) ?? 1) - 1;
    if (left > 0) anonymousByAddress.set(conn.address, left);
    else anonymousByAddress.delete(conn.address);
  }

  /** Everything a socket's user had on this process goes: routing, rate bucket, presence. Idempotent. */
  function teardown(conn: Connection) {
    registry.unroute(conn);
    releaseAnonymous(conn);
    if (tornDown.has(conn) || !conn.userId) return;
    tornDown.add(conn);
    userRateLimits.release(conn.userId);
    const done = services.presence
      .disconnected(conn.userId, conn.id)
      .catch((err) => log.error({ err }, 'presence disconnect failed'))
      .finally(() => leaving.delete(done));
    leaving.add(done);
  }

  const hello = createHello({
    services,
    registry,
    maxSocketsPerUser: options.maxSocketsPerUser,
    maxPendingHellos: options.maxPendingHellos,
    onIdentified(conn) {
      // From here the socket is its user's: their caps and their shared rate bucket apply.
      releaseAnonymous(conn);
      conn.limiter = userRateLimits.acquire(conn.userId!);
    },
    teardown,
  });
  const handlers = createOpHandlers({ services, hello });

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = req.url ?? '';
    if (url !== path && !url.startsWith(`${path}?`)) {
      metrics.upgradesRefused.inc({ reason: 'path' });
      refuseUpgrade(socket, 404, 'Not Found');
      return;
    }
    if (!originAllowed(req.headers.origin, req.headers.host, options.allowedOrigins)) {
      metrics.upgradesRefused.inc({ reason: 'origin' });
      refuseUpgrade(socket, 403, 'Forbidden');
      return;
    }
    if (draining) {
      metrics.upgradesRefused.inc({ reason: 'draining' });
      refuseUpgrade(socket, 503, 'Service Unavailable');
      return;
    }
    const address = clientAddress(req, options.trustProxy);
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, address));
  }
  server.on('upgrade', onUpgrade);

  const onSlowConsumer = (c: Connection) => {
    metrics.closes.inc({ reason: 'slow_consumer' });
    log.warn({ connectionId: c.id, userId: c.userId, buffered: c.socket.bufferedAmount }, 'slow consumer closed');
  };

  function accept(socket: WebSocket, address: string) {
    const conn = new Connection({
      id: randomUUID(),
      socket,
      address,
      maxBufferedBytes: options.maxBufferedBytes,
      limiter: new RateLimiter(options.rateLimitOpsPerSec, options.rateLimitBurst),
      onSlowConsumer,
    });
    registry.add(conn);
    metrics.connections.inc();
    socket.on('close', () => {
      clearTimeout(conn.authTimer);
      conn.closed = true;
      teardown(conn);
      registry.remove(conn);
      metrics.connections.dec();
      recheckWaits();
    });
    socket.on('error', (err) => log.debug({ err, connectionId: conn.id }, 'socket error'));

    const anonymous = anonymousByAddress.get(address) ?? 0;
    if (anonymous >= options.maxAnonymousSocketsPerAddress) {
      metrics.closes.inc({ reason: 'too_many_anonymous' });
      conn.close(CloseCodes.TooManyConnections);
      return;
    }
    anonymousByAddress.set(address, anonymous + 1);
    countedAnonymous.add(conn);

    conn.authTimer = setTimeout(() => {
      if (!conn.authenticated) {
        metrics.closes.inc({ reason: 'auth_timeout' });
        conn.close(CloseCodes.AuthTimeout);
      }
    }, options.authTimeoutMs);

    socket.on('pong', () => (conn.alive = true));
    socket.on('message', (raw: RawData, isBinary: boolean) => {
      conn.alive = true;
      // A request's failure is that request's: it must never become an unhandled rejection.
      handleRequest(conn, raw, isBinary).catch((err) => {
        metrics.errors.inc({ dependency: errorSource(err) });
        log.error({ err, connectionId: conn.id }, 'request handler failed');
      });
    });
  }

  async function handleRequest(conn: Connection, raw: RawData, isBinary: boolean) {
    const { id, request, error } = parseRequest(raw, isBinary);
    // Every request counts, garbage included: a reply to garbage costs as much as any other.
    if (!conn.limiter.take()) {
      metrics.ops.inc({ op: request && isOpName(request.op) ? request.op : 'any', outcome: 'rate_limited' });
      conn.replyError(id, { code: 'rate_limited', message: 'too many requests; slow down', retryAfterMs: conn.limiter.msUntilToken() });
      return;
    }
    if (!request) {
      metrics.ops.inc({ op: 'none', outcome: 'invalid' });
      conn.replyError(id, error!.toBody());
      return;
    }
    const op = request.op;
    if (!isOpName(op)) {
      metrics.ops.inc({ op: 'unknown', outcome: 'invalid' });
      conn.replyError(id, { code: 'invalid', message: `unknown op "${request.op.slice(0, 64)}"` });
      return;
    }
    if (draining) {
      conn.replyError(id, { code: 'unavailable', message: 'server is draining; reconnect' });
      return;
    }
    // What one socket can make the server hold at once: this many requests' results.
    if (conn.inFlight >= options.maxInFlightPerSocket) {
      metrics.ops.inc({ op, outcome: 'rate_limited' });
      conn.replyError(id, { code: 'rate_limited', message: `too many requests in flight (at most ${options.maxInFlightPerSocket})` });
      return;
    }
    if (!validators[op].Check(request.data)) {
      metrics.ops.inc({ op, outcome: 'invalid' });
      conn.replyError(id, { code: 'invalid', message: validationMessage(op, request.data) });
      return;
    }
    const entry = handlers[op] as AnyOpEntry;
    if (entry.beforeAuth) {
      if (conn.state !== 'anonymous') {
        metrics.ops.inc({ op, outcome: 'invalid' });
        conn.replyError(id, { code: 'invalid', message: conn.state === 'ready' ? 'already authenticated' : 'hello already in progress' });
        return;
      }
    } else if (!conn.authenticated) {
      metrics.ops.inc({ op, outcome: 'unauthorized' });
      conn.replyError(id, { code: 'unauthorized', message: 'send hello with a token first' });
      return;
    }
    await run(conn, op, entry, request);
  }

  async function run(conn: Connection, op: OpName, entry: AnyOpEntry, request: ParsedRequest) {
    conn.inFlight++;
    try {
      let data: unknown;
      // No await before handle(): the state checks above and the handler's first step are one tick.
      if (entry.beforeAuth) data = await entry.handle(conn, request.data as never);
      else {
        const ctx = { conn, userId: conn.userId! };
        data = entry.ordered
          ? await conn.inOrder(() => entry.handle(ctx, request.data as never))
          : await entry.handle(ctx, request.data as never);
      }
      conn.reply(request.id, data);
      if (entry.beforeAuth) entry.afterReply?.(conn);
      metrics.ops.inc({ op, outcome: 'ok' });
    } catch (err) {
      const body = toErrorBody(err);
      metrics.ops.inc({ op, outcome: body.code });
      if (!(err instanceof AppError)) {
        metrics.errors.inc({ dependency: errorSource(err) });
        log.error({ err, op, connectionId: conn.id }, 'op failed');
      }
      conn.replyError(request.id, body);
      const closed = entry.beforeAuth ? entry.afterError?.(conn, err) : undefined;
      if (closed) metrics.closes.inc({ reason: closed.reason.replaceAll(' ', '_') });
    } finally {
      conn.inFlight--;
      if (conn.inFlight === 0) recheckWaits();
    }
  }

  const heartbeat = setInterval(() => {
    for (const conn of registry.connections()) {
      if (!conn.alive) {
        metrics.closes.inc({ reason: 'heartbeat' });
        conn.socket.terminate();
        continue;
      }
      conn.alive = false;
      conn.socket.ping();
    }
  }, options.heartbeatMs);
  heartbeat.unref();

  metrics.observeBufferedBytes(() => {
    let total = 0;
    for (const conn of registry.connections()) total += conn.socket.bufferedAmount;
    return total;
  });

  // A revoked session's sockets close at once (logout, logout-all, password change, theft).
  const offSessionsRevoked = services.auth.onSessionsRevoked((ids) => {
    for (const conn of registry.connections()) {
      if (conn.sessionId && ids.has(conn.sessionId)) conn.close(CloseCodes.SessionEnded);
    }
  });

  // Events published while the bus was away are gone; the clients' resync brings them back.
  bus.onRecovered(() => {
    log.warn({ connections: registry.size }, 'bus recovered: asking every client to resync');
    for (const conn of registry.connections()) conn.close(CloseCodes.Resync);
  });

  /** Drain and close wait on these, re-checked when an op finishes or a socket goes (no polling). */
  const waits = new Set<() => void>();
  function recheckWaits() {
    for (const check of [...waits]) check();
  }
  function waitFor(condition: () => boolean, deadline: number): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waits.delete(check);
        resolve();
      };
      const check = () => {
        if (condition()) done();
      };
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      waits.add(check);
    });
  }

  return {
    get connectionCount() {
      return registry.size;
    },
    /** The user's connections on this process, routed or being routed (for closing a revoked session's sockets). */
    connectionsOf: (userId: string) => registry.connectionsOf(userId),
    /**
     * Stops taking connections and ops, lets in-flight ops reply, then tells every
     * client to reconnect (elsewhere) with 4503.
     */
    async drain(timeoutMs: number): Promise<void> {
      draining = true;
      const deadline = Date.now() + timeoutMs;
      const conns = [...registry.connections()];
      await waitFor(() => conns.every((c) => c.inFlight === 0), deadline);
      for (const conn of conns) conn.close(CloseCodes.Reconnect);
      await waitFor(() => registry.size === 0, deadline);
    },
    async close(): Promise<void> {
      clearInterval(heartbeat);
      offSessionsRevoked();
      server.off('upgrade', onUpgrade);
      for (const conn of registry.connections()) conn.socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await waitFor(() => registry.size === 0, Date.now() + 2000);
      await Promise.all(leaving);
    },
  };
}
