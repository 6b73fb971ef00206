import type { EventData, EventName } from '@chatchat/protocol';
import type { Bus } from '../ports/bus.js';
import { Channels } from './channels.js';
import { encodeEnvelope, type RoutingEffect } from './bus-envelope.js';

/** Publishes server events after the state change they describe has committed. */
export interface EventPublisher {
  toRoom<K extends EventName>(roomId: string, ev: K, data: EventData<K>, fx?: RoutingEffect): Promise<void>;
  toUser<K extends EventName>(userId: string, ev: K, data: EventData<K>, fx?: RoutingEffect): Promise<void>;
  /** Everyone who shares one of `roomIds` with `userId`, and `userId`'s own devices. */
  toPeers<K extends EventName>(userId: string, roomIds: readonly string[], ev: K, data: EventData<K>): Promise<void>;
  /** The room's members except `userId`'s own connections. */
  toRoomExcept<K extends EventName>(roomId: string, userId: string, ev: K, data: EventData<K>): Promise<void>;
  toEveryone<K extends EventName>(ev: K, data: EventData<K>): Promise<void>;
}

export function serializeEvent<K extends EventName>(ev: K, data: EventData<K>): string {
  return JSON.stringify({ ev, data });
}

export function createEventPublisher({ bus }: { bus: Bus }): EventPublisher {
  return {
    toRoom: (roomId, ev, data, fx) =>
      bus.publish(Channels.room(roomId), encodeEnvelope(fx ? { r: [roomId], fx } : { r: [roomId] }, serializeEvent(ev, data))),
    toUser: (userId, ev, data, fx) =>
      bus.publish(Channels.user(userId), encodeEnvelope(fx ? { u: [userId], fx } : { u: [userId] }, serializeEvent(ev, data))),
    toPeers: (userId, roomIds, ev, data) =>
      bus.publish(Channels.fanout, encodeEnvelope({ r: [...roomIds], u: [userId] }, serializeEvent(ev, data))),
    toRoomExcept: (roomId, userId, ev, data) =>
      bus.publish(Channels.room(roomId), encodeEnvelope({ r: [roomId], x: userId }, serializeEvent(ev, data))),
    toEveryone: (ev, data) => bus.publish(Channels.fanout, encodeEnvelope({ all: true }, serializeEvent(ev, data))),
  };
}
