import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTcpProxy } from './tcp-proxy.js';
import { waitFor } from './wait-for.js';

/** An echo server and a client through the proxy; `received` is what came back. */
async function setup() {
  const echo: Server = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const proxy = await createTcpProxy({ targetPort: (echo.address() as { port: number }).port });
  const connect = async () => {
    const socket: Socket = createConnection({ port: proxy.port, host: '127.0.0.1' });
    const state = { received: '', closed: false, error: '' };
    socket.on('data', (d) => (state.received += d));
    socket.on('close', () => (state.closed = true));
    socket.on('error', (err: NodeJS.ErrnoException) => (state.error = err.code ?? String(err)));
    await new Promise<void>((r) => socket.once('connect', () => r()));
    return { socket, state };
  };
  return { echo, proxy, connect };
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function started() {
  const s = await setup();
  cleanup = async () => {
    await s.proxy.close();
    await new Promise((r) => s.echo.close(r));
  };
  return s;
}

describe('TCP fault proxy', () => {
  it('forwards, and a blackhole drops bytes silently until resume destroys the damaged link', async () => {
    const { proxy, connect } = await started();
    const a = await connect();
    a.socket.write('one');
    await waitFor(() => a.state.received === 'one', { what: 'echo' });
    proxy.blackhole();
    a.socket.write('lost');
    const b = await connect();
    b.socket.write('unheard');
    // Marker on the same link after the blackhole: resume destroys it, so nothing was delivered late.
    proxy.resume();
    await waitFor(() => a.state.closed && b.state.closed, { what: 'damaged links destroyed' });
    expect(a.state.received).toBe('one');
    expect(b.state.received).toBe('');
    const c = await connect();
    c.socket.write('back');
    await waitFor(() => c.state.received === 'back', { what: 'a new link works' });
  });

  it('reset sends a RST to open links and keeps accepting new ones', async () => {
    const { proxy, connect } = await started();
    const a = await connect();
    proxy.reset();
    await waitFor(() => a.state.closed, { what: 'reset' });
    expect(a.state.error).toBe('ECONNRESET');
    const b = await connect();
    b.socket.write('after');
    await waitFor(() => b.state.received === 'after', { what: 'new link' });
  });

  it('latency and bandwidth keep the byte order', async () => {
    const { proxy, connect } = await started();
    proxy.setLatency(20);
    proxy.setBandwidth(50_000);
    const a = await connect();
    const sent = Array.from({ length: 200 }, (_, i) => `${i},`).join('');
    for (let i = 0; i < sent.length; i += 50) a.socket.write(sent.slice(i, i + 50));
    await waitFor(() => a.state.received.length === sent.length, { what: 'all bytes', timeoutMs: 10_000 });
    expect(a.state.received).toBe(sent);
  });
});
