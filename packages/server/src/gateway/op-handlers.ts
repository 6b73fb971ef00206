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
    'message.list': async ({ userId }, { roomId, ...page }) => ({ messages: await services.messages.history(userId, roomId, page) }),
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
