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
import { createOpHandlers, type OpHandlers } from './op-handlers.js';
import { parseRequest } from './frame-parser.js';
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
  rateLimitOpsPerSec: number;
  rateLimitBurst: number;
  presenceTickMs: number;
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

/** The `/ws` edge: authenticates, routes ops to services, and fans bus events out to sockets. */
export function createGateway(options: GatewayOptions) {
  const { server, bus, services, log, metrics } = options;
  const path = options.path ?? '/ws';
  const wss = new WebSocketServer({ noServer: true, maxPayload: Limits.maxFrameBytes, perMessageDeflate: false });
  const registry = createConnectionRegistry({ bus, log, onDelivered: (ev, n) => metrics.eventsDelivered.inc({ ev }, n) });
  const handlers: OpHandlers = createOpHandlers(services, services.typing);
  let draining = false;
  /** Presence work of closed sockets still under way; close() waits for it before the bus goes. */
  const leaving = new Set<Promise<unknown>>();

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer) {
    const url = req.url ?? '';
    if (url !== path && !url.startsWith(`${path}?`)) return;
    if (draining) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws));
  }
  server.on('upgrade', onUpgrade);

  function accept(socket: WebSocket) {
    const conn = new Connection({
      id: randomUUID(),
      socket,
      maxBufferedBytes: options.maxBufferedBytes,
      rateLimitOpsPerSec: options.rateLimitOpsPerSec,
      rateLimitBurst: options.rateLimitBurst,
      onSlowConsumer: (c) => {
        metrics.closes.inc({ reason: 'slow_consumer' });
        log.warn({ connectionId: c.id, userId: c.userId, buffered: c.socket.bufferedAmount }, 'slow consumer closed');
      },
    });
    registry.track(conn);
    metrics.connections.inc();
    const authTimer = setTimeout(() => {
      if (!conn.authenticated) {
        metrics.closes.inc({ reason: 'auth_timeout' });
        conn.close(CloseCodes.AuthTimeout);
      }
    }, options.authTimeoutMs);

    socket.on('pong', () => (conn.alive = true));
    socket.on('message', (raw: RawData, isBinary: boolean) => {
      conn.alive = true;
      // A frame's failure is that frame's: it must never become an unhandled rejection.
      handleFrame(conn, raw, isBinary).catch((err) => {
        metrics.errors.inc({ dependency: errorSource(err) });
        log.error({ err, connectionId: conn.id }, 'frame handler failed');
      });
    });
    socket.on('error', (err) => log.debug({ err, connectionId: conn.id }, 'socket error'));
    socket.on('close', () => {
      clearTimeout(authTimer);
      conn.closed = true;
      registry.unregister(conn);
      metrics.connections.dec();
      if (conn.userId) {
        const done = services.presence.disconnected(conn.userId, conn.id)
          .catch((err) => log.error({ err }, 'presence disconnect failed'))
          .finally(() => leaving.delete(done));
        leaving.add(done);
      }
    });
  }

  async function handleFrame(conn: Connection, raw: RawData, isBinary: boolean) {
    const { id, request, error } = parseRequest(raw, isBinary);
    // Every frame counts, garbage included: a reply to garbage costs as much as any other.
    if (!conn.limiter.take()) {
      metrics.ops.inc({ op: request && isOpName(request.op) ? request.op : 'any', outcome: 'rate_limited' });
      conn.replyError(id, { code: 'rate_limited', message: 'too many requests; slow down' });
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
    if (!validators[op].Check(request.data)) {
      metrics.ops.inc({ op, outcome: 'invalid' });
      conn.replyError(id, { code: 'invalid', message: validationMessage(op, request.data) });
      return;
    }
    conn.inFlight++;
    try {
      if (op === 'hello') await hello(conn, request.id, request.data as { token: string });
      else if (!conn.authenticated) {
        conn.replyError(id, { code: 'unauthorized', message: 'send hello with a token first' });
      } else {
        const handler = handlers[op] as (ctx: unknown, data: unknown) => Promise<unknown>;
        const ctx = { conn, userId: conn.userId };
        // Sends from one socket commit in the order they were sent, so a client may pipeline them.
        const data = op === 'message.send' ? await conn.inOrder(() => handler(ctx, request.data)) : await handler(ctx, request.data);
        conn.reply(id, data);
      }
      metrics.ops.inc({ op, outcome: 'ok' });
    } catch (err) {
      const body = toErrorBody(err);
      metrics.ops.inc({ op, outcome: body.code });
      if (!(err instanceof AppError)) {
        metrics.errors.inc({ dependency: errorSource(err) });
        log.error({ err, op, connectionId: conn.id }, 'op failed');
      }
      conn.replyError(id, body);
    } finally {
      conn.inFlight--;
    }
  }

  async function hello(conn: Connection, id: string, { token }: { token: string }) {
    if (conn.authenticated) throw new AppError('invalid', 'already authenticated');
    let user, sessionId;
    try {
      ({ user, sessionId } = await services.auth.authenticate(token));
    } catch (err) {
      conn.replyError(id, toErrorBody(err));
      metrics.closes.inc({ reason: 'unauthorized' });
      conn.close(CloseCodes.Unauthorized);
      return;
    }
    if (conn.closed) return;
    conn.userId = user.id;
    conn.sessionId = sessionId;
    // Route first, then snapshot: an event published in between is queued, never missed.
    const roomIds = await services.rooms.listIds(user.id);
    await registry.register(conn, roomIds);
    await services.presence.connected(user.id, conn.id, roomIds);
    const snapshot = await services.snapshots.build(user, conn.id);
    conn.reply(id, snapshot);
    conn.release();
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

  const presenceTick = setInterval(() => {
    services.presence.tick().catch((err) => {
      metrics.errors.inc({ dependency: 'presence' });
      log.error({ err }, 'presence tick failed');
    });
  }, options.presenceTickMs);
  presenceTick.unref();

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

  async function waitFor(condition: () => boolean, deadline: number) {
    while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  return {
    get connectionCount() {
      return registry.size;
    },
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
      clearInterval(presenceTick);
      offSessionsRevoked();
      server.off('upgrade', onUpgrade);
      for (const conn of registry.connections()) conn.socket.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await waitFor(() => registry.size === 0, Date.now() + 2000);
      await Promise.all(leaving);
    },
  };
}
