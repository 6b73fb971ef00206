import type { FastifyReply, FastifyRequest } from 'fastify';
import { refreshCookieName } from '@chatchat/protocol';

/** Only the auth routes ever see it: the path keeps it off every other request. */
const cookiePath = '/api/v1/auth';

function secure(req: FastifyRequest): boolean {
  const forwarded = req.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
  return req.protocol === 'https' || proto === 'https';
}

export function setRefreshCookie(req: FastifyRequest, reply: FastifyReply, token: string, expiresAt: string, now: Date) {
  const maxAge = Math.max(0, Math.floor((Date.parse(expiresAt) - now.getTime()) / 1000));
  const attributes = [`${refreshCookieName}=${token}`, 'HttpOnly', 'SameSite=Strict', `Path=${cookiePath}`, `Max-Age=${maxAge}`];
  if (secure(req)) attributes.push('Secure');
  void reply.header('set-cookie', attributes.join('; '));
}

export function clearRefreshCookie(req: FastifyRequest, reply: FastifyReply) {
  const attributes = [`${refreshCookieName}=`, 'HttpOnly', 'SameSite=Strict', `Path=${cookiePath}`, 'Max-Age=0'];
  if (secure(req)) attributes.push('Secure');
  void reply.header('set-cookie', attributes.join('; '));
}

export function readRefreshCookie(req: FastifyRequest): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const cut = part.indexOf('=');
    if (cut > 0 && part.slice(0, cut).trim() === refreshCookieName) return part.slice(cut + 1).trim() || undefined;
  }
  return undefined;
}
