import { classifyEnvelope } from './envelope.js';
import type { WireDriver } from './wire-driver.js';

/** The bare ws relay peer (bench/peers/ws-relay.ts): same envelope as ChatChat, `join` instead of `hello`. */
export function createWsRelayDriver(): WireDriver {
  return {
    name: 'ws-relay',
    url: (base) => base,
    waitsForReady: false,
    handshake: (id, user) => JSON.stringify({ id: String(id), op: 'join', data: { userId: user.userId, rooms: user.rooms } }),
    send: (id, roomId, body, clientMsgId) => JSON.stringify({ id: String(id), op: 'send', data: { roomId, body, clientMsgId } }),
    ping: (id) => JSON.stringify({ id: String(id), op: 'ping', data: {} }),
    classify: classifyEnvelope,
  };
}
