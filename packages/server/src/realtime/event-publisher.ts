import { randomUUID } from 'node:crypto';
import type { EventData, EventName } from '@chatchat/protocol';
import type { Bus } from '../ports/bus.js';
import { Channels } from './channels.js';
import { encodeEnvelope, type Envelope, type RoutingEffect } from './bus-envelope.js';

/** Publishes server events after the state change they describe has committed. */
export interface EventPublisher {
  toRoom<K extends EventName>(roomId: string, ev: K, data: EventData<K>, routing?: RoutingEffect): Promise<void>;
  toUser<K extends EventName>(userId: string, ev: K, data: EventData<K>, routing?: RoutingEffect): Promise<void>;
  /**
   * Everyone who shares one of `roomIds` with `userId`, and `userId`'s own devices, each
   * connection once: one copy per room channel and one on the user's channel, under one
   * dedupe id.
   */
  toPeers<K extends EventName>(userId: string, roomIds: readonly string[], ev: K, data: EventData<K>): Promise<void>;
  /** The room's members except `userId`'s own connections. */
  toRoomExcept<K extends EventName>(roomId: string, userId: string, ev: K, data: EventData<K>): Promise<void>;
  toEveryone<K extends EventName>(ev: K, data: EventData<K>): Promise<void>;
}

export function serializeEvent<K extends EventName>(ev: K, data: EventData<K>): string {
  return JSON.stringify({ ev, data });
}

export function createEventPublisher({ bus }: { bus: Bus }): EventPublisher {
  const publish = (channel: string, header: Envelope, eventJson: string) => bus.publish(channel, encodeEnvelope(header, eventJson));
  return {
    toRoom: (roomId, ev, data, routing) =>
      publish(Channels.room(roomId), { event: ev, rooms: [roomId], ...(routing && { routing }) }, serializeEvent(ev, data)),
    toUser: (userId, ev, data, routing) =>
      publish(Channels.user(userId), { event: ev, users: [userId], ...(routing && { routing }) }, serializeEvent(ev, data)),
    async toPeers(userId, roomIds, ev, data) {
      const eventJson = serializeEvent(ev, data);
      const dedupeId = randomUUID();
      await Promise.all([
        publish(Channels.user(userId), { event: ev, users: [userId], dedupeId }, eventJson),
        ...roomIds.map((roomId) => publish(Channels.room(roomId), { event: ev, rooms: [roomId], dedupeId }, eventJson)),
      ]);
    },
    toRoomExcept: (roomId, userId, ev, data) =>
      publish(Channels.room(roomId), { event: ev, rooms: [roomId], exceptUser: userId }, serializeEvent(ev, data)),
    toEveryone: (ev, data) => publish(Channels.everyone, { event: ev, everyone: true }, serializeEvent(ev, data)),
  };
}
