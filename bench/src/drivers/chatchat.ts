import { classifyEnvelope } from './envelope.js';
import type { WireDriver } from './wire-driver.js';

/** ChatChat's real protocol: `hello` with the access token, then `message.send`. */
export function createChatChatDriver(): WireDriver {
  return {
    name: 'chatchat',
    url: (base) => `${base}/ws`,
    waitsForReady: false,
    acks: true,
    handshake: (id, user) => JSON.stringify({ id: String(id), op: 'hello', data: { token: user.token } }),
    send: (id, roomId, body, clientMsgId) => JSON.stringify({ id: String(id), op: 'message.send', data: { roomId, body, clientMsgId } }),
    ping: (id) => JSON.stringify({ id: String(id), op: 'ping', data: {} }),
    classify: classifyEnvelope,
  };
}
