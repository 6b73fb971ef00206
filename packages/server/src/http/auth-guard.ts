import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';

declare module 'fastify' {
  interface FastifyRequest {
    userId: string;
    sessionId: string;
  }
}

export function bearerToken(req: FastifyRequest): string | undefined {
  const header = req.headers.authorization;
  return (header ? /^Bearer\s+(\S+)$/i.exec(header) : null)?.[1];
}

/** preHandler for routes that need a user: `Authorization: Bearer <access token>` of a live session. */
export function createAuthGuard(services: Services) {
  return async (req: FastifyRequest) => {
    const token = bearerToken(req);
    if (!token) throw new AppError('unauthorized', 'missing bearer token');
    const { user, sessionId } = await services.auth.authenticate(token);
    req.userId = user.id;
    req.sessionId = sessionId;
  };
}
