import type { Bus } from '../ports/bus.js';
import type { Logger } from '../logger.js';
import { Channels } from '../realtime/channels.js';
import { decodeEnvelope, type RoutingEffect } from '../realtime/bus-envelope.js';
import type { Connection } from './connection.js';
import { buildTextFrame } from './ws-frame.js';

export interface ConnectionRegistryOptions {
  bus: Bus;
  log: Logger;
  onDelivered?: (ev: string, frames: number) => void;
}

export type ConnectionRegistry = ReturnType<typeof createConnectionRegistry>;

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

  function applyEffect(fx: RoutingEffect) {
    for (const conn of byUser.get(fx.userId) ?? []) {
      if (fx.kind === 'join') void joinRoom(conn, fx.roomId);
      else leaveRoom(conn, fx.roomId);
    }
  }

  function dispatch(_channel: string, payload: string) {
    let decoded;
    try {
      decoded = decodeEnvelope(payload);
    } catch (err) {
      log.error({ err }, 'undecodable bus payload dropped');
      return;
    }
    const { header, frame } = decoded;
    // A leave takes effect before delivery, so a kicked user's sockets get nothing more.
    if (header.fx) applyEffect(header.fx);
    const targets = new Set<Connection>();
    if (header.all) for (const conn of all) if (conn.authenticated) targets.add(conn);
    for (const roomId of header.r ?? []) for (const conn of byRoom.get(roomId) ?? []) targets.add(conn);
    for (const userId of header.u ?? []) for (const conn of byUser.get(userId) ?? []) targets.add(conn);
    if (header.fx?.kind === 'join') for (const conn of byUser.get(header.fx.userId) ?? []) targets.add(conn);
    if (targets.size === 0) return;
    const bytes = buildTextFrame(frame);
    let sent = 0;
    for (const conn of targets) {
      if (header.x !== undefined && conn.userId === header.x) continue;
      conn.sendEvent(bytes);
      sent++;
    }
    // A publisher from an older release may not name the event.
    onDelivered?.(header.e ?? 'unknown', sent);
  }

  bus.onMessage(dispatch);
  void subscribe(Channels.fanout);

  return {
    get size() {
      return all.size;
    },
    connections: (): Iterable<Connection> => all,
    track(conn: Connection) {
      all.add(conn);
    },
    /** Routes the authenticated connection; resolves once its channels are subscribed. */
    async register(conn: Connection, roomIds: readonly string[]): Promise<void> {
      const userId = conn.userId!;
      const pending: (Promise<unknown> | undefined)[] = [addTo(byUser, userId, conn, Channels.user(userId))];
      for (const roomId of roomIds) pending.push(joinRoom(conn, roomId));
      await Promise.all(pending);
    },
    unregister(conn: Connection) {
      all.delete(conn);
      if (!conn.userId) return;
      for (const roomId of [...conn.rooms]) leaveRoom(conn, roomId);
      removeFrom(byUser, conn.userId, conn, Channels.user(conn.userId));
    },
    connectionsOf: (userId: string): ReadonlySet<Connection> => byUser.get(userId) ?? new Set(),
  };
}
