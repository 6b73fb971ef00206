import WebSocket from 'ws';
import type { Socket } from 'node:net';

/**
 * The bytes of one complete, unmasked WebSocket text frame (header and payload in one
 * Buffer), built once per event and written as is to every socket that gets it: fan-out
 * costs one write per socket, with no per-socket framing, copying or allocation.
 * ("Wire frame" is only ever this; what a client sends is a request, what we push an event.)
 */
export type WireFrame = Buffer & { readonly __wireFrame: true };

export function buildWireFrame(payload: string): WireFrame {
  const length = Buffer.byteLength(payload);
  // RFC 6455 §5.2: FIN + text opcode, then a 7-bit, 16-bit or 64-bit length; servers never mask.
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  frame.write(payload, headerLength);
  return frame as WireFrame;
}

/**
 * Safe only because permessage-deflate is off: then ws's own sender writes every frame
 * synchronously and whole, so raw writes interleave with its pings and close frames at
 * frame boundaries. Returns false when the socket is no longer open.
 */
export function writeWireFrame(socket: WebSocket, frame: WireFrame): boolean {
  const raw = rawSocket(socket);
  if (!raw) return false;
  raw.write(frame);
  return true;
}

const corked = new Set<Socket>();

function uncorkAll() {
  for (const socket of corked) socket.uncork();
  corked.clear();
}

/**
 * Corks the socket until the bus has delivered what this turn of the event loop published.
 * One shared callback uncorks every socket corked meanwhile: a burst of replies to thousands
 * of sockets costs one scheduled callback, not one per socket. It is an immediate, queued
 * behind the in-process bus's own delivery (also an immediate, scheduled when a handler
 * published, before it replied): a sender's ack and its own copy of the event then leave in
 * one syscall instead of two.
 */
export function corkUntilDelivered(socket: WebSocket): void {
  const raw = rawSocket(socket);
  if (raw === undefined || corked.has(raw)) return;
  if (corked.size === 0) setImmediate(uncorkAll);
  corked.add(raw);
  raw.cork();
}

/**
 * Hands what a corked socket holds to the kernel now. Returns false when it was not corked.
 * Corked bytes are only waiting for the turn to end, so a socket is judged by what the
 * kernel would not take only after this.
 */
export function flushCork(socket: WebSocket): boolean {
  const raw = rawSocket(socket);
  if (raw === undefined || !corked.delete(raw)) return false;
  raw.uncork();
  return true;
}

/** The TCP socket under an open WebSocket (ws keeps it in `_socket`). */
export function rawSocket(socket: WebSocket): Socket | undefined {
  if (socket.readyState !== WebSocket.OPEN) return undefined;
  return (socket as unknown as { _socket: Socket })._socket;
}
