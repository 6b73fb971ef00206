import type { FastifyInstance } from 'fastify';

/** The docs UI loads its own scripts and styles; nothing from elsewhere, and it may not be framed. */
export const docsCsp =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'";
/** API answers are data: nothing in them may run, load or be framed. */
const apiCsp = "default-src 'none'; frame-ancestors 'none'";

/**
 * Headers every response carries. Tokens and private data never sit in a shared or
 * browser cache: every `/api/v1` answer is `no-store`.
 */
export function installSecurityHeaders(app: FastifyInstance) {
  app.addHook('onSend', async (req, reply, payload) => {
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'no-referrer');
    void reply.header('x-frame-options', 'DENY');
    const type = String(reply.getHeader('content-type') ?? '');
    if (!reply.hasHeader('content-security-policy') && (type.startsWith('application/json') || req.url.startsWith('/api/docs'))) {
      void reply.header('content-security-policy', req.url.startsWith('/api/docs') ? docsCsp : apiCsp);
    }
    if (req.url.startsWith('/api/v1/')) void reply.header('cache-control', 'no-store');
    return payload;
  });
}
