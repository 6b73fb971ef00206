/**
 * The floor: a bare `ws` broadcast server doing the least work a Node process can do per delivery.
 *
 * Protocol (the same envelope as ChatChat, so the load generator code is shared):
 *   {"id","op":"join","data":{"userId","rooms":[…]}}            → {"re","ok":true,"data":{}}
 *   {"id","op":"send","data":{"roomId","body","clientMsgId"}}   → {"re","ok":true,"data":{"seq"}}
 *     (no reply when the send has no "id": the plain relay)
 *     and every socket in the room (sender included) gets
 *     {"ev":"message.created","data":{"message":{id,roomId,seq,senderId,body,clientMsgId,createdAt}}}
 *   {"id","op":"ping","data":{}}                                → {"re","ok":true,"data":{}}
 * The least work per delivery: the event is serialised once and built once into a complete WebSocket
 * text frame (header and payload in one Buffer), written as is to every socket's TCP socket: no
 * per-socket framing, copying or allocation (ChatChat's gateway does the same). This needs
 * permessage-deflate off, so that ws writes its own frames (pings, close) synchronously and whole.
 * RELAY_MODE=send uses ws's public `socket.send(buffer)` instead (frames per socket), for reference.
 * Heartbeat by WS ping every 25 s.
 * Nothing is stored. With REDIS_URL set, rooms fan out through Redis Pub/Sub (one channel per room,
 * subscribed while a local socket is in it), so two relays form the cluster floor.
 * Env: PORT, HOST (default 127.0.0.1), REDIS_URL (optional).
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

interface Client {
  userId: string;
  rooms: string[];
  alive: boolean;
}

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
const redisUrl = process.env.REDIS_URL;
const rawFrames = process.env.RELAY_MODE !== 'send';

const rooms = new Map<string, Set<WebSocket>>();
const seqs = new Map<string, number>();
const clients = new Map<WebSocket, Client>();

const pub = redisUrl ? new Redis(redisUrl) : null;
const sub = redisUrl ? new Redis(redisUrl) : null;
sub?.on('messageBuffer', (channel: Buffer, frame: Buffer) => broadcastLocal(channel.toString().slice(5), frame));

/** RFC 6455 §5.2: FIN + text opcode, 7/16/64-bit length, unmasked (server to client). */
function buildTextFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81;
  if (n < 126) frame[1] = n;
  else if (n < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(frame, head);
  return frame;
}

function broadcastLocal(roomId: string, payload: Buffer): void {
  const members = rooms.get(roomId);
  if (!members) return;
  if (!rawFrames) {
    for (const s of members) s.send(payload, { binary: false });
    return;
  }
  const frame = buildTextFrame(payload);
  for (const s of members) {
    // ws keeps the TCP socket in `_socket`; an open socket with deflate off takes whole frames.
    if (s.readyState === s.OPEN) (s as unknown as { _socket: Socket })._socket.write(frame);
  }
}

const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/readyz' ? 200 : 404).end();
});
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 64 * 1024 });

wss.on('connection', (socket) => {
  const client: Client = { userId: '', rooms: [], alive: true };
  clients.set(socket, client);
  socket.on('pong', () => {
    client.alive = true;
  });
  socket.on('message', (raw) => {
    let req: { id: string; op: string; data: Record<string, unknown> };
    try {
      req = JSON.parse(raw.toString());
    } catch {
      socket.close(1007, 'bad json');
      return;
    }
    if (req.op === 'send') {
      const roomId = String(req.data.roomId);
      const seq = (seqs.get(roomId) ?? 0) + 1;
      seqs.set(roomId, seq);
      const message = {
        id: randomUUID(),
        roomId,
        seq,
        senderId: client.userId,
        body: req.data.body,
        clientMsgId: req.data.clientMsgId,
        createdAt: new Date().toISOString(),
      };
      const frame = Buffer.from(JSON.stringify({ ev: 'message.created', data: { message } }));
      if (pub) void pub.publish(`room:${roomId}`, frame);
      else broadcastLocal(roomId, frame);
      if (req.id !== undefined) socket.send(JSON.stringify({ re: req.id, ok: true, data: { seq } }));
    } else if (req.op === 'join') {
      client.userId = String(req.data.userId);
      client.rooms = (req.data.rooms as string[]).map(String);
      for (const r of client.rooms) {
        let set = rooms.get(r);
        if (!set) {
          set = new Set();
          rooms.set(r, set);
          void sub?.subscribe(`room:${r}`);
        }
        set.add(socket);
      }
      socket.send(JSON.stringify({ re: req.id, ok: true, data: {} }));
    } else if (req.op === 'ping') {
      socket.send(JSON.stringify({ re: req.id, ok: true, data: {} }));
    } else {
      socket.send(JSON.stringify({ re: req.id, ok: false, error: { code: 'BAD_REQUEST', message: 'unknown op' } }));
    }
  });
  socket.on('close', () => {
    clients.delete(socket);
    for (const r of client.rooms) {
      const set = rooms.get(r);
      set?.delete(socket);
      if (set && set.size === 0) {
        rooms.delete(r);
        void sub?.unsubscribe(`room:${r}`);
      }
    }
  });
});

const heartbeat = setInterval(() => {
  for (const [socket, client] of clients) {
    if (!client.alive) {
      socket.terminate();
      continue;
    }
    client.alive = false;
    socket.ping();
  }
}, 25_000);

server.listen(port, host, () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : port}\n`);
});

function shutdown(): void {
  clearInterval(heartbeat);
  for (const socket of clients.keys()) socket.terminate();
  wss.close();
  server.close();
  pub?.disconnect();
  sub?.disconnect();
  setTimeout(() => process.exit(0), 200).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
