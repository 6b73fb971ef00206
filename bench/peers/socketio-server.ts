/**
 * Socket.IO 4 peer: rooms with `socket.join`, broadcast with `io.to(room).emit`, acks by callback.
 *
 * Idiomatic fastest setup: websocket transport only (no polling, no upgrade), no per-message
 * compression, no client bundle served, default `ws` engine. Socket.IO encodes a room broadcast once
 * and writes the same packet to every socket (its own pre-encoding path).
 * Events (client → server, with ack):
 *   "join" {userId, rooms}              → ack {ok:true}
 *   "send" {roomId, body, clientMsgId}  → ack {ok:true, seq} if asked for; the room (sender included) gets
 *      "message.created" {message:{id,roomId,seq,senderId,body,clientMsgId,createdAt}}
 *   "ping" {}                           → ack {ok:true}
 * Nothing is stored. With REDIS_URL set, @socket.io/redis-adapter (classic Pub/Sub) joins processes.
 * Env: PORT, HOST (default 127.0.0.1), REDIS_URL (optional).
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
const redisUrl = process.env.REDIS_URL;

const server = http.createServer((req, res) => {
  if (req.url === '/readyz') res.writeHead(200).end();
});
const io = new Server(server, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  maxHttpBufferSize: 64 * 1024,
  pingInterval: 25_000,
});

const pub = redisUrl ? new Redis(redisUrl) : null;
const sub = pub ? pub.duplicate() : null;
if (pub && sub) io.adapter(createAdapter(pub, sub));

// Per-room seq is local to a process: good enough for a peer that stores nothing.
const seqs = new Map<string, number>();

type Ack = (reply: unknown) => void;

io.on('connection', (socket) => {
  let userId = '';
  socket.on('join', (data: { userId: string; rooms: string[] }, ack: Ack) => {
    userId = String(data.userId);
    void socket.join(data.rooms.map(String));
    ack({ ok: true });
  });
  socket.on('send', (data: { roomId: string; body: string; clientMsgId: string }, ack?: Ack) => {
    const roomId = String(data.roomId);
    const seq = (seqs.get(roomId) ?? 0) + 1;
    seqs.set(roomId, seq);
    const message = {
      id: randomUUID(),
      roomId,
      seq,
      senderId: userId,
      body: data.body,
      clientMsgId: data.clientMsgId,
      createdAt: new Date().toISOString(),
    };
    io.to(roomId).emit('message.created', { message });
    ack?.({ ok: true, seq });
  });
  socket.on('ping', (_data: unknown, ack: Ack) => ack({ ok: true }));
});

server.listen(port, host, () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : port}\n`);
});

function shutdown(): void {
  io.disconnectSockets(true);
  void io.close();
  pub?.disconnect();
  sub?.disconnect();
  setTimeout(() => process.exit(0), 200).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
