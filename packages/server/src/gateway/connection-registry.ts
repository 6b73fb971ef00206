import type { Bus } from '../ports/bus.js';
import type { Logger } from '../logger.js';
import { Channels } from '../realtime/channels.js';
import { decodeEnvelope, type Envelope, type RoutingEffect } from '../realtime/bus-envelope.js';
import type { Connection } from './connection.js';
import { buildWireFrame } from './wire-frame.js';

export interface ConnectionRegistryOptions {
  bus: Bus;
  log: Logger;
  onDelivered?: (event: string, sockets: number) => void;
}

export type ConnectionRegistry = ReturnType<typeof createConnectionRegistry>;

/**
 * Copies of one event (published once per room it concerns) arrive within milliseconds of
 * each other. Ids are kept for two generations of at most this long (and this many events);
 * a copy later than that is delivered again, which clients absorb (such events are
 * idempotent state updates). Time, not only count, ends a generation: each id holds the set
 * of connections it reached, and with a count alone an idle server kept the last 20,000
 * presence events' sets alive — a quarter of an idle connection's heap.
 */
const DEDUPE_GENERATION_MS = 1000;
const DEDUPE_GENERATION_MAX = 10_000;

/**
 * The gateway's routing table: which local connections belong to which user and room.
 * Bus subscriptions follow it, reference-counted per channel over local connections
 * (never one per socket): the first interested connection subscribes, the last one out
 * unsubscribes.
 */
export function createConnectionRegistry({ bus, log, onDelivered }: ConnectionRegistryOptions) {
  const all = new Set<Connection>();
  const byUser = new Map<string, Set<Connection>>();
  const byRoom = new Map<string, Set<Connection>>();

  /** In-flight or done subscriptions, so a later registrant waits for one still on its way. */
  const subscriptions = new Map<string, Promise<unknown>>();
  const subscribe = (channel: string) => {
    const done = bus.subscribe(channel).catch((err) => log.error({ err, channel }, 'bus subscribe failed'));
    subscriptions.set(channel, done);
    return done;
  };
  const unsubscribe = (channel: string) => {
    subscriptions.delete(channel);
    return bus.unsubscribe(channel).catch((err) => log.warn({ err, channel }, 'bus unsubscribe failed'));
  };

  function addTo(index: Map<string, Set<Connection>>, key: string, conn: Connection, channel: string): Promise<unknown> | undefined {
    let set = index.get(key);
    if (!set) index.set(key, (set = new Set()));
    set.add(conn);
    return set.size === 1 ? subscribe(channel) : subscriptions.get(channel);
  }

  function removeFrom(index: Map<string, Set<Connection>>, key: string, conn: Connection, channel: string) {
    const set = index.get(key);
    if (!set?.delete(conn)) return;
    if (set.size === 0) {
      index.delete(key);
      void unsubscribe(channel);
    }
  }

  function joinRoom(conn: Connection, roomId: string) {
    if (conn.rooms.has(roomId)) return subscriptions.get(Channels.room(roomId));
    conn.rooms.add(roomId);
    return addTo(byRoom, roomId, conn, Channels.room(roomId));
  }

  function leaveRoom(conn: Connection, roomId: string) {
    if (!conn.rooms.delete(roomId)) return;
    removeFrom(byRoom, roomId, conn, Channels.room(roomId));
  }

  function applyRouting(change: RoutingEffect) {
    for (const conn of byUser.get(change.userId) ?? []) {
      if (change.kind === 'join') void joinRoom(conn, change.roomId);
      else leaveRoom(conn, change.roomId);
    }
  }

  let recentIds = new Map<string, Set<Connection>>();
  let olderIds = new Map<string, Set<Connection>>();
  let rotation: NodeJS.Timeout | undefined;
  function rotate() {
    olderIds = recentIds;
    recentIds = new Map();
    clearTimeout(rotation);
    // Runs only while there is something to forget: an idle server holds no timer and no ids.
    rotation = olderIds.size > 0 ? setTimeout(rotate, DEDUPE_GENERATION_MS).unref() : undefined;
  }
  function deliveredSoFar(dedupeId: string): Set<Connection> {
    let seen = recentIds.get(dedupeId) ?? olderIds.get(dedupeId);
    if (seen) return seen;
    if (recentIds.size >= DEDUPE_GENERATION_MAX) rotate();
    recentIds.set(dedupeId, (seen = new Set()));
    rotation ??= setTimeout(rotate, DEDUPE_GENERATION_MS).unref();
    return seen;
  }

  function targetsOf(header: Envelope): Set<Connection> {
    const targets = new Set<Connection>();
    // Every connection routed to its user, a hello still being answered included (its events
    // queue until the reply): its snapshot may have read announcements before this one committed.
    if (header.everyone) for (const conns of byUser.values()) for (const conn of conns) targets.add(conn);
    for (const roomId of header.rooms ?? []) for (const conn of byRoom.get(roomId) ?? []) targets.add(conn);
    for (const userId of header.users ?? []) for (const conn of byUser.get(userId) ?? []) targets.add(conn);
    if (header.routing?.kind === 'join') for (const conn of byUser.get(header.routing.userId) ?? []) targets.add(conn);
    if (header.exceptUser !== undefined) for (const conn of byUser.get(header.exceptUser) ?? []) targets.delete(conn);
    if (header.dedupeId !== undefined) {
      const seen = deliveredSoFar(header.dedupeId);
      for (const conn of targets) {
        if (seen.has(conn)) targets.delete(conn);
        else seen.add(conn);
      }
    }
    return targets;
  }

  function dispatch(_channel: string, payload: string) {
    let decoded;
    try {
      decoded = decodeEnvelope(payload);
    } catch (err) {
      log.error({ err }, 'undecodable bus payload dropped');
      return;
    }
    const { header, eventJson } = decoded;
    // A leave takes effect before delivery, so a kicked user's sockets get nothing more.
    if (header.routing) applyRouting(header.routing);
    const targets = targetsOf(header);
    if (targets.size === 0) return;
    const frame = buildWireFrame(eventJson);
    for (const conn of targets) conn.sendEvent(frame);
    // A publisher from an older release may not name the event.
    onDelivered?.(header.event ?? 'unknown', targets.size);
  }

  /** Takes the connection out of every routing index (idempotent): no event reaches it any more. */
  function unroute(conn: Connection) {
    for (const roomId of [...conn.rooms]) leaveRoom(conn, roomId);
    if (conn.userId) removeFrom(byUser, conn.userId, conn, Channels.user(conn.userId));
  }

  bus.onMessage(dispatch);
  void subscribe(Channels.everyone);

  return {
    get size() {
      return all.size;
    },
    connections: (): Iterable<Connection> => all,
    /** A new socket: counted (heartbeats, drain), routed nowhere yet. */
    add(conn: Connection) {
      all.add(conn);
    },
    /**
     * Routes `conn.userId`'s channel to the connection at once, so the user's connection
     * count includes it from this tick on; resolves once the channel is subscribed.
     */
    routeUser(conn: Connection): Promise<unknown> | undefined {
      return addTo(byUser, conn.userId!, conn, Channels.user(conn.userId!));
    },
    /** Routes the rooms' channels to the connection; resolves once they are subscribed. */
    async routeRooms(conn: Connection, roomIds: readonly string[]): Promise<void> {
      await Promise.all(roomIds.map((roomId) => joinRoom(conn, roomId)));
    },
    unroute,
    /** The socket is gone: unrouted and no longer counted. */
    remove(conn: Connection) {
      unroute(conn);
      all.delete(conn);
    },
    /** The user's routed connections on this process (authenticating ones included). */
    connectionsOf: (userId: string): ReadonlySet<Connection> => byUser.get(userId) ?? new Set(),
  };
}
