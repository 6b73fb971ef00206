import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from '../logger.js';
import type { Services } from '../services.js';
import type { Metrics } from '../observability/metrics.js';
import { installErrorHandler } from './error-handler.js';
import { errorSource } from '../observability/error-source.js';
import { registerAuthenticated } from './authenticated-scope.js';
import { registerAuthRoutes } from './routes/auth-routes.js';
import { registerProfileRoutes } from './routes/profile-routes.js';
import { registerRoomRoutes } from './routes/room-routes.js';
import { registerMessageRoutes } from './routes/message-routes.js';
import { registerNoticeRoutes } from './routes/notice-routes.js';
import { registerConversationRoutes } from './routes/conversation-routes.js';

export interface HttpAppOptions {
  log: Logger;
  metrics: Metrics;
  /** Null when this process does not run the api role: only health and metrics are served. */
  services: Services | null;
  /** Throws when a dependency is not reachable. */
  checkReady: () => Promise<void>;
  bodyLimitBytes?: number;
}

export async function createHttpApp({ log, metrics, services, checkReady, bodyLimitBytes = 256 * 1024 }: HttpAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: bodyLimitBytes,
    // Ids are strings; unknown body fields are rejected by the schemas, not silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });
  installErrorHandler(app, log, (err) => metrics.errors.inc({ dependency: errorSource(err) }));
  app.addHook('onResponse', async (req, reply) => {
    metrics.http.inc({ route: req.routeOptions.url ?? 'unmatched', status: `${Math.floor(reply.statusCode / 100)}xx` });
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await checkReady();
      return { status: 'ready' };
    } catch (err) {
      return reply.status(503).send({ error: { code: 'unavailable', message: (err as Error).message } });
    }
  });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  if (!services) return app;

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'ChatChat HTTP API', version: '1.0.0', description: 'Everything that is not live. Live traffic is WebSocket /ws: see docs/protocol.md.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerAuthRoutes({ app, services });
  await registerAuthenticated(app, services, (scope) => {
    const ctx = { app: scope, services };
    registerProfileRoutes(ctx);
    registerRoomRoutes(ctx);
    registerMessageRoutes(ctx);
    registerNoticeRoutes(ctx);
    registerConversationRoutes(ctx);
  });
  return app;
}
