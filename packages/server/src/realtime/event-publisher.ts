import type { EventData, EventName } from '@chatchat/protocol';
import type { Bus } from '../ports/bus.js';
import { Channels } from './channels.js';
import { encodeEnvelope, type Envelope, type RoutingEffect } from './bus-envelope.js';

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
  const publish = <K extends EventName>(channel: string, header: Omit<Envelope, 'e'>, ev: K, data: EventData<K>) =>
    bus.publish(channel, encodeEnvelope({ e: ev, ...header }, serializeEvent(ev, data)));
  return {
    toRoom: (roomId, ev, data, fx) => publish(Channels.room(roomId), fx ? { r: [roomId], fx } : { r: [roomId] }, ev, data),
    toUser: (userId, ev, data, fx) => publish(Channels.user(userId), fx ? { u: [userId], fx } : { u: [userId] }, ev, data),
    toPeers: (userId, roomIds, ev, data) => publish(Channels.fanout, { r: [...roomIds], u: [userId] }, ev, data),
    toRoomExcept: (roomId, userId, ev, data) => publish(Channels.room(roomId), { r: [roomId], x: userId }, ev, data),
    toEveryone: (ev, data) => publish(Channels.fanout, { all: true }, ev, data),
  };
}
