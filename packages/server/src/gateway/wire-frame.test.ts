import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createFifoDispatcher } from '../adapters/bus/fifo-dispatcher.js';
import { buildWireFrame, corkUntilDelivered, flushCork, rawSocket, writeWireFrame, type WireFrame } from './wire-frame.js';

/** A real loopback pair; `writes` counts the server socket's writes to the kernel. */
async function pair() {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => wss.once('listening', resolve));
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const received: string[] = [];
  client.on('message', (data) => received.push(String(data)));
  await new Promise((resolve) => client.once('open', resolve));
  const server = await accepted;
  type Hook = (...args: unknown[]) => void;
  const raw = rawSocket(server)! as Socket & { _write: Hook; _writev: Hook };
  const writes = { count: 0 };
  for (const hook of ['_write', '_writev'] as const) {
    const original = raw[hook].bind(raw);
    raw[hook] = (...args: unknown[]) => {
      writes.count++;
      original(...args);
    };
  }
  return { wss, client, server, received, writes };
}

describe('wire frames and the reply cork', () => {
  const closing: Array<() => void> = [];
  afterEach(() => {
    for (const c of closing.splice(0)) c();
  });

  it('sends a reply and the event its handler published before it in one write', async () => {
    const { wss, client, server, received, writes } = await pair();
    closing.push(() => {
      client.terminate();
      wss.close();
    });
    // As a send's handler does it: publish to the in-process bus, then reply.
    const bus = createFifoDispatcher<WireFrame>((frame) => writeWireFrame(server, frame));
    bus.push(buildWireFrame(JSON.stringify({ event: 'message.created' })));
    corkUntilDelivered(server);
    server.send(JSON.stringify({ re: '1', ok: true }));
    await new Promise<void>((resolve) => {
      const check = () => (received.length === 2 ? resolve() : client.once('message', check));
      check();
    });
    expect(received).toEqual([JSON.stringify({ re: '1', ok: true }), JSON.stringify({ event: 'message.created' })]);
    expect(writes.count).toBe(1);
  });

  it('flushes a cork on demand, so what it held can be judged by what the kernel would not take', async () => {
    const { wss, client, server, writes } = await pair();
    closing.push(() => {
      client.terminate();
      wss.close();
    });
    corkUntilDelivered(server);
    server.send('x'.repeat(1000));
    expect(server.bufferedAmount).toBeGreaterThan(1000);
    expect(flushCork(server)).toBe(true);
    expect(writes.count).toBe(1);
    expect(server.bufferedAmount).toBe(0);
    // Not corked any more: nothing to flush.
    expect(flushCork(server)).toBe(false);
  });
});
