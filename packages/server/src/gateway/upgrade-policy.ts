import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Whether a browser page from `origin` may open a socket here. Without an Origin header the
 * client is no browser (the SDK in Node, a bot): there are no ambient cookies to abuse, so
 * it is allowed. `allowed` null means same origin only: the Origin's host must be the Host
 * the request was sent to. A listed `*` allows every origin.
 */
export function originAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[] | null): boolean {
  if (origin === undefined) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    // "null" (sandboxed frames, file://) and garbage.
    return false;
  }
  if (allowed === null) return host !== undefined && parsed.host === host.toLowerCase();
  return allowed.includes('*') || allowed.includes(parsed.origin);
}

/**
 * The client's address for per-address caps. Behind a trusted proxy (ALB, our balancer)
 * the socket's peer is the proxy, and the client is the last address it appended.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const last = (Array.isArray(forwarded) ? forwarded.at(-1) : forwarded)?.split(',').at(-1)?.trim();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

/** Answers an upgrade that will not become a WebSocket, and frees the socket. */
export function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  // end() flushes the answer; a peer that never reads must not keep the socket.
  setTimeout(() => socket.destroy(), 1000).unref();
}
