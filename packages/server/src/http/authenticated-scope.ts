import type { FastifyInstance } from 'fastify';
import { ErrorResponse } from '@chatchat/protocol';
import type { Services } from '../services.js';
import { createAuthGuard } from './auth-guard.js';

const bearer = [{ bearerAuth: [] }];

/**
 * Registers `register`'s routes in one encapsulated scope: the bearer guard, the OpenAPI
 * security requirement and the 401 answer are declared here once, for every route in it.
 */
export async function registerAuthenticated(app: FastifyInstance, services: Services, register: (scope: FastifyInstance) => void) {
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.schema ??= {};
      route.schema.security = bearer;
      route.schema.response = { 401: ErrorResponse, ...(route.schema.response as object | undefined) };
    });
    scope.addHook('preHandler', createAuthGuard(services));
    register(scope);
  });
}
