import type { Classified, WireDriver } from './wire-driver.js';

/**
 * Socket.IO v5 protocol over Engine.IO v4, spoken directly on the `ws` client (websocket transport,
 * no polling) so that the generator's cost per frame is the same as for the other systems:
 *   server "0{…}" OPEN → client "40" CONNECT → server "40{…}" (ready)
 *   "2" PING → "3" PONG; "42<id>[event,data]" EVENT with ack id → "43<id>[reply]" ACK.
 * `plain`: sends are "42[event,data]", an EVENT without ack id, which the server does not answer.
 */
export function createSocketIoDriver(plain = false): WireDriver {
  return {
    name: plain ? 'socketio-plain' : 'socketio',
    url: (base) => `${base}/socket.io/?EIO=4&transport=websocket`,
    waitsForReady: true,
    acks: !plain,
    handshake: (id, user) => `42${id}${JSON.stringify(['join', { userId: user.userId, rooms: user.rooms }])}`,
    send: plain
      ? (_id, roomId, body, clientMsgId) => `42${JSON.stringify(['send', { roomId, body, clientMsgId }])}`
      : (id, roomId, body, clientMsgId) => `42${id}${JSON.stringify(['send', { roomId, body, clientMsgId }])}`,
    ping: (id) => `42${id}["ping",{}]`,
    classify: classifySocketIo,
  };
}

function classifySocketIo(frame: string): Classified {
  const c0 = frame.charCodeAt(0);
  if (c0 === 0x34 /* '4' message */) {
    const c1 = frame.charCodeAt(1);
    if (c1 === 0x32 /* '2' EVENT */) {
      return frame.startsWith('["message.created"', 2) ? { kind: 'delivery' } : { kind: 'other' };
    }
    if (c1 === 0x33 /* '3' ACK */) {
      const bracket = frame.indexOf('[', 2);
      const id = Number(frame.slice(2, bracket));
      let reply: { ok?: unknown; error?: { code?: unknown } } | undefined;
      try {
        reply = (JSON.parse(frame.slice(bracket)) as unknown[])[0] as typeof reply;
      } catch {
        reply = undefined;
      }
      const ok = reply?.ok === true;
      return { kind: 'reply', id, ok, code: ok ? null : String(reply?.error?.code ?? 'UNKNOWN') };
    }
    if (c1 === 0x30 /* '0' CONNECT */) return { kind: 'ready' };
    return { kind: 'other' };
  }
  if (c0 === 0x32 /* '2' PING */) return { kind: 'respond', frame: '3' };
  if (c0 === 0x30 /* '0' OPEN */) return { kind: 'respond', frame: '40' };
  return { kind: 'other' };
}
