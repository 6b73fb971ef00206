import { Limits, type OpData, type OpName, type OpReply } from '@chatchat/protocol';
import type { Services } from '../services.js';
import { notFound } from '../errors.js';
import type { Connection } from './connection.js';
import type { Hello } from './hello.js';

export interface OpContext {
  conn: Connection;
  userId: string;
}

/** An op of an authenticated socket. */
export interface OpEntry<K extends OpName> {
  handle(ctx: OpContext, data: OpData<K>): Promise<OpReply<K>>;
  /**
   * The socket's requests of this op run one after another in arrival order (message.send:
   * a client may pipeline sends and their seqs follow its order).
   */
  ordered?: boolean;
  beforeAuth?: never;
}

/**
 * The op that authenticates: accepted only on an anonymous socket, refused once one was
 * accepted. It may close the socket after its error reply, and finishes after its reply.
 */
export interface AuthenticatingOpEntry<K extends OpName> {
  beforeAuth: true;
  handle(conn: Connection, data: OpData<K>): Promise<OpReply<K>>;
  afterReply?(conn: Connection): void;
  /** Returns how it closed the socket, if it did. */
  afterError?(conn: Connection, err: unknown): { code: number; reason: string } | undefined;
}

export type OpHandlers = { hello: AuthenticatingOpEntry<'hello'> } & { [K in Exclude<OpName, 'hello'>]: OpEntry<K> };

export interface OpHandlersOptions {
  services: Services;
  hello: Hello;
}

/** Thin edge: each op validates nothing itself (the router did) and calls one service. */
export function createOpHandlers({ services, hello }: OpHandlersOptions): OpHandlers {
  return {
    hello,
    'message.send': {
      ordered: true,
      handle: async ({ userId }, data) => ({ message: await services.messages.send(userId, data) }),
    },
    'message.edit': { handle: async ({ userId }, data) => ({ message: await services.messages.edit(userId, data.messageId, data.body) }) },
    'message.delete': { handle: async ({ userId }, data) => ({ message: await services.messages.remove(userId, data.messageId) }) },
    'message.list': {
      handle: ({ userId }, { roomId, ...page }) => services.messages.history(userId, roomId, page),
    },
    'message.search': { handle: ({ userId }, data) => services.search.search(userId, data) },
    'reaction.add': { handle: ({ userId }, data) => services.reactions.add(userId, data.messageId, data.emoji) },
    'reaction.remove': { handle: ({ userId }, data) => services.reactions.remove(userId, data.messageId, data.emoji) },
    'reaction.list': { handle: ({ userId }, data) => services.reactions.who(userId, data.messageId) },
    'reaction.counts': {
      handle: async ({ userId }, { roomId, messageIds }) => ({
        roomId,
        reactions: await services.reactions.counts(userId, roomId, messageIds),
      }),
    },
    'pin.add': { handle: ({ userId }, data) => services.pins.add(userId, data.messageId) },
    'pin.remove': { handle: ({ userId }, data) => services.pins.remove(userId, data.messageId) },
    'room.settings': { handle: ({ userId }, { roomId, ...settings }) => services.roomSettings.set(userId, roomId, settings) },
    'room.read': { handle: ({ userId }, data) => services.reads.markRead(userId, data.roomId, data.seq) },
    'room.members': {
      handle: async ({ userId }, { roomId }) => ({ roomId, ...(await services.snapshots.roomMembers(userId, roomId)) }),
    },
    typing: {
      handle: async ({ conn, userId }, { roomId }) => {
        // The connection's room set is the live membership as this gateway knows it.
        if (!conn.rooms.has(roomId)) throw notFound('room');
        if (conn.allowTyping(roomId, Limits.typingIntervalMs)) await services.typing(roomId, userId);
        return {};
      },
    },
    ping: { handle: async () => ({ serverTime: new Date().toISOString() }) },
  };
}
