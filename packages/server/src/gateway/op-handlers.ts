import { Limits, type OpData, type OpName, type OpReply } from '@chatchat/protocol';
import type { Services } from '../services.js';
import { notFound } from '../errors.js';
import type { Connection } from './connection.js';

export interface OpContext {
  conn: Connection;
  userId: string;
}

type Handler<K extends OpName> = (ctx: OpContext, data: OpData<K>) => Promise<OpReply<K>>;
export type OpHandlers = { [K in Exclude<OpName, 'hello'>]: Handler<K> };

/** Thin edge: each op validates nothing itself (the router did) and calls one service. */
export function createOpHandlers(services: Services, publishTyping: (roomId: string, userId: string) => Promise<void>): OpHandlers {
  return {
    'message.send': async ({ userId }, data) => ({ message: await services.messages.send(userId, data) }),
    'message.edit': async ({ userId }, data) => ({ message: await services.messages.edit(userId, data.messageId, data.body) }),
    'message.delete': async ({ userId }, data) => ({ message: await services.messages.remove(userId, data.messageId) }),
    'message.list': ({ userId }, { roomId, ...page }) => services.messages.history(userId, roomId, page),
    'message.search': ({ userId }, data) => services.search.search(userId, data),
    'reaction.add': ({ userId }, data) => services.reactions.add(userId, data.messageId, data.emoji),
    'reaction.remove': ({ userId }, data) => services.reactions.remove(userId, data.messageId, data.emoji),
    'reaction.list': ({ userId }, data) => services.reactions.who(userId, data.messageId),
    'reaction.counts': async ({ userId }, { roomId, messageIds }) => ({ roomId, reactions: await services.reactions.counts(userId, roomId, messageIds) }),
    'pin.add': ({ userId }, data) => services.pins.add(userId, data.messageId),
    'pin.remove': ({ userId }, data) => services.pins.remove(userId, data.messageId),
    'room.settings': ({ userId }, { roomId, ...settings }) => services.roomSettings.set(userId, roomId, settings),
    'room.read': ({ userId }, data) => services.reads.markRead(userId, data.roomId, data.seq),
    'room.members': async ({ userId }, { roomId }) => ({ roomId, ...(await services.snapshots.roomMembers(userId, roomId)) }),
    typing: async ({ conn, userId }, { roomId }) => {
      // The connection's room set is the live membership as this gateway knows it.
      if (!conn.rooms.has(roomId)) throw notFound('room');
      if (conn.allowTyping(roomId, Limits.typingIntervalMs)) await publishTyping(roomId, userId);
      return {};
    },
    ping: async () => ({ serverTime: new Date().toISOString() }),
  };
}
