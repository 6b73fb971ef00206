import { CloseCodes, type OpData, type OpReply } from '@chatchat/protocol';
import type { Services } from '../services.js';
import { AppError } from '../errors.js';
import type { Connection } from './connection.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { createHelloAdmission } from './hello-admission.js';

export interface HelloOptions {
  services: Services;
  registry: ConnectionRegistry;
  maxSocketsPerUser: number;
  /**
   * Hellos this process answers at once; more are refused at once (`rate_limited` with a
   * `retryAfterMs` slot, close 4430). After a gateway dies its clients all arrive together:
   * answered all at once, most would outlive their auth timeout with their work done for
   * nothing, and their retries would pile up behind them (a storm of 10,000 resynced 921 in
   * six minutes).
   */
  maxPendingHellos: number;
  /** The token is good: the connection is its user's from now on (rate limit, caps). */
  onIdentified(conn: Connection): void;
  /** Undoes everything a hello did (routing, presence); the socket's close runs it too. */
  teardown(conn: Connection): void;
}

/**
 * `hello`: verify the token, route the socket, mark the user online, send the snapshot.
 * The router hands it only anonymous sockets and it moves them to `authenticating` before
 * its first await, so a second hello on the socket is refused whatever this one awaits.
 * A hello that fails after the token was accepted leaves nothing behind (no routing, no
 * presence) and the socket is closed right after the error reply.
 */
export function createHello({ services, registry, maxSocketsPerUser, maxPendingHellos, onIdentified, teardown }: HelloOptions) {
  const admission = createHelloAdmission({ limit: maxPendingHellos });

  async function answer(conn: Connection, { token, readers }: OpData<'hello'>): Promise<OpReply<'hello'>> {
    const { user, sessionId } = await services.auth.authenticate(token);
    if (conn.closed) throw new AppError('unavailable', 'connection closed during hello');
    if (registry.connectionsOf(user.id).size >= maxSocketsPerUser) {
      throw new AppError('rate_limited', `too many connections for this user (at most ${maxSocketsPerUser} per server)`);
    }
    try {
      conn.userId = user.id;
      conn.sessionId = sessionId;
      onIdentified(conn);
      // Routed before any await and before the snapshot is read: the user's connection
      // count includes this socket at once, and an event published meanwhile is queued
      // on the connection, never missed.
      const userRouted = registry.routeUser(conn);
      const roomIds = await services.rooms.listIds(user.id);
      await Promise.all([userRouted, registry.routeRooms(conn, roomIds)]);
      await services.presence.connected(user.id, conn.id, roomIds);
      return await services.snapshots.build(user, conn.id, readers);
    } catch (err) {
      teardown(conn);
      throw err;
    }
  }

  return {
    beforeAuth: true as const,

    async handle(conn: Connection, data: OpData<'hello'>): Promise<OpReply<'hello'>> {
      conn.state = 'authenticating';
      const place = admission.enter();
      if (!place.admitted)
        throw new AppError('rate_limited', 'server busy: too many connections being set up; retry after retryAfterMs', place.retryAfterMs);
      try {
        return await answer(conn, data);
      } finally {
        place.leave();
      }
    },

    /** The snapshot is out: queued events follow it, then events flow. */
    afterReply(conn: Connection): void {
      if (conn.closed) return;
      conn.state = 'ready';
      clearTimeout(conn.authTimer);
      conn.authTimer = undefined;
      conn.release();
    },

    /** After the error reply: a hello that failed closes its socket with the matching code. */
    afterError(conn: Connection, err: unknown): { code: number; reason: string } {
      const code = err instanceof AppError ? err.code : 'internal';
      const close =
        code === 'unauthorized'
          ? CloseCodes.Unauthorized
          : code === 'rate_limited'
            ? CloseCodes.TooManyConnections
            : CloseCodes.InternalError;
      teardown(conn);
      conn.close(close);
      return close;
    },
  };
}

export type Hello = ReturnType<typeof createHello>;
