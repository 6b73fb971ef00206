import type { FastifyInstance } from 'fastify';

/**
 * The whole request body must arrive within `timeoutMs`. Node's own `requestTimeout` did
 * not cut off a body trickled a byte at a time (seen on Node 20), so each request gets a
 * timer: a body still incomplete when it fires gets a 408 and the socket is closed.
 */
export function installRequestDeadline(app: FastifyInstance, timeoutMs: number) {
  const body = JSON.stringify({ error: { code: 'invalid', message: 'request body not received in time' } });
  app.addHook('onRequest', async (req) => {
    if (req.raw.complete) return;
    const timer = setTimeout(() => {
      if (req.raw.complete) return;
      const socket = req.raw.socket;
      if (!socket.destroyed && socket.writable) {
        socket.end(
          `HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      }
      socket.destroy();
    }, timeoutMs);
    timer.unref();
    req.raw.once('end', () => clearTimeout(timer));
    req.raw.once('close', () => clearTimeout(timer));
  });
}
