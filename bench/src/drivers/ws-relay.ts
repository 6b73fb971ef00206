import { classifyEnvelope } from './envelope.js';
import type { WireDriver } from './wire-driver.js';

/**
 * The bare ws relay peer (bench/peers/ws-relay.ts): same envelope as ChatChat, `join` instead of
 * `hello`; `plain`: sends without an id, which the relay does not answer.
 */
export function createWsRelayDriver(plain = false): WireDriver {
  return {
    name: plain ? 'ws-relay-plain' : 'ws-relay',
    url: (base) => base,
    waitsForReady: false,
    acks: !plain,
    handshake: (id, user) => JSON.stringify({ id: String(id), op: 'join', data: { userId: user.userId, rooms: user.rooms } }),
    send: plain
      ? (_id, roomId, body, clientMsgId) => JSON.stringify({ op: 'send', data: { roomId, body, clientMsgId } })
      : (id, roomId, body, clientMsgId) => JSON.stringify({ id: String(id), op: 'send', data: { roomId, body, clientMsgId } }),
    ping: (id) => JSON.stringify({ id: String(id), op: 'ping', data: {} }),
    classify: classifyEnvelope,
  };
}
