import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The browser's refresh token: httpOnly so page script can never read it, SameSite=Strict
 * so no other site can make the browser send it, and scoped to the auth routes so it rides
 * on no other request. Secure whenever the request came over https.
 */
export const refreshCookieName = 'chatchat_refresh';
const cookiePath = '/api/v1/auth';

export function readRefreshCookie(req: FastifyRequest): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === refreshCookieName) return decodeURIComponent(part.slice(eq + 1).trim()) || undefined;
  }
  return undefined;
}

function attributes(req: FastifyRequest, maxAgeSec: number): string {
  const secure = req.protocol === 'https' ? '; Secure' : '';
  return `Path=${cookiePath}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSec}${secure}`;
}

export function setRefreshCookie(req: FastifyRequest, reply: FastifyReply, token: string, maxAgeSec: number): void {
  reply.header('set-cookie', `${refreshCookieName}=${encodeURIComponent(token)}; ${attributes(req, maxAgeSec)}`);
}

export function clearRefreshCookie(req: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', `${refreshCookieName}=; ${attributes(req, 0)}`);
}
