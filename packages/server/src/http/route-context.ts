import type { FastifyInstance, preHandlerAsyncHookHandler } from 'fastify';
import type { Services } from '../services.js';

/** What every feature's route module gets. */
export interface RouteContext {
  app: FastifyInstance;
  services: Services;
  /** preHandler that sets `req.userId` from the bearer token. */
  guard: preHandlerAsyncHookHandler;
}

export const bearer = [{ bearerAuth: [] }];
