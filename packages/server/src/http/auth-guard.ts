import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';

declare module 'fastify' {
  interface FastifyRequest {
    userId: string;
  }
}

/** preHandler for routes that need a user: `Authorization: Bearer <access token>`. */
export function createAuthGuard(services: Services) {
  return async (req: FastifyRequest) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw new AppError('unauthorized', 'missing bearer token');
    const user = await services.auth.authenticate(match[1]!);
    req.userId = user.id;
  };
}
