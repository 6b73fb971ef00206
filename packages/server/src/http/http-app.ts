import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { AjvCompiler } from '@fastify/ajv-compiler';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Redis } from 'ioredis';
import type { HttpLimits } from '../config.js';
import type { Logger } from '../logger.js';
import type { Services } from '../services.js';
import type { Metrics } from '../observability/metrics.js';
import type { Clock } from '../ports/clock.js';
import { AppError } from '../errors.js';
import { installErrorHandler } from './error-handler.js';
import { errorSource } from '../observability/error-source.js';
import { registerAuthenticated } from './authenticated-scope.js';
import { installSecurityHeaders, docsCsp } from './security-headers.js';
import { registerPublicMetrics } from './metrics-endpoint.js';
import { installRequestDeadline } from './request-deadline.js';
import { registerAuthRoutes, registerSessionRoutes } from './routes/auth-routes.js';
import { registerProfileRoutes } from './routes/profile-routes.js';
import { registerRoomRoutes } from './routes/room-routes.js';
import { registerMessageRoutes } from './routes/message-routes.js';
import { registerNoticeRoutes } from './routes/notice-routes.js';
import { registerUserSearchRoutes } from './routes/user-search-routes.js';
import { registerWebApp } from './web-app.js';
import { registerAttachmentDownloadRoutes, registerUploadRoutes } from './routes/attachment-routes.js';
import { registerConversationRoutes } from './routes/conversation-routes.js';

export interface HttpAppOptions {
  log: Logger;
  metrics: Metrics;
  clock: Clock;
  /** Null when this process does not run the api role: only health and metrics are served. */
  services: Services | null;
  /** Throws when a dependency is not reachable. */
  checkReady: () => Promise<void>;
  limits: HttpLimits;
  /** Set: `/metrics` on this app answers this bearer token only; unset, it is not served here. */
  metricsToken?: string;
  /** Scale-out: the global rate limit counts in Redis, so every api process shares one budget per client. */
  rateLimitRedis?: { client: Redis; prefix: string };
  /** Filled with `METHOD /path` of every route as it is registered (the authz matrix and fuzz read it). */
  routes?: string[];
  /** The built web app to serve at `/` (default apps/web/dist). */
  webDir?: string;
  /** The blob store's own origin when browsers talk to it directly (S3), for the app's CSP. */
  blobOrigin?: string;
}

/**
 * Request bodies are validated as sent (`username: 12345` is refused, not turned into
 * "12345"); querystring and path parameters arrive as text, so only they are coerced.
 */
function createValidatorFactory() {
  const pool = AjvCompiler();
  return (externalSchemas: unknown, options: { customOptions?: object }) => {
    const base = { removeAdditional: false, allErrors: false, ...options.customOptions };
    const strict = pool(externalSchemas as never, { ...options, customOptions: { ...base, coerceTypes: false } } as never);
    const coercing = pool(externalSchemas as never, { ...options, customOptions: { ...base, coerceTypes: 'array' } } as never);
    return (route: { httpPart?: string }) => (route.httpPart === 'body' ? strict : coercing)(route as never);
  };
}

export async function createHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  const { log, metrics, services, checkReady, limits } = options;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyLimitBytes,
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.connectionTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    trustProxy: limits.trustProxy,
    schemaController: { compilersFactory: { buildValidator: createValidatorFactory() as never } },
    // A malformed percent-encoding never reaches a route: answer it in the one error shape.
    frameworkErrors: (err, _req, reply) => {
      void (reply as FastifyReply)
        .status(400)
        .send({ error: { code: 'invalid', message: err.code === 'FST_ERR_BAD_URL' ? 'malformed URL' : 'bad request' } });
    },
  });
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') options.routes?.push(`${method} ${route.url}`);
  });
  installErrorHandler(app, log, (err) => metrics.errors.inc({ dependency: errorSource(err) }));
  installSecurityHeaders(app);
  installRequestDeadline(app, limits.requestTimeoutMs);
  app.addHook('onResponse', async (req, reply) => {
    metrics.http.inc({ route: req.routeOptions.url ?? 'unmatched', status: `${Math.floor(reply.statusCode / 100)}xx` });
  });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_req, reply) => {
    try {
      await checkReady();
      return { status: 'ready' };
    } catch (err) {
      // What failed is for the operator's log, not for whoever asks.
      log.warn({ err }, 'not ready');
      return reply.status(503).send({ error: { code: 'unavailable', message: 'not ready' } });
    }
  });
  registerPublicMetrics(app, { metrics, token: options.metricsToken });

  if (!services) return app;

  await app.register(rateLimit, {
    global: limits.rateLimitPerMin > 0,
    max: limits.rateLimitPerMin || 1,
    timeWindow: '1 minute',
    // Health checks come from the balancer's few addresses; they must never be limited.
    allowList: (req) => req.url === '/healthz' || req.url === '/readyz',
    ...(options.rateLimitRedis
      ? { redis: options.rateLimitRedis.client, nameSpace: `${options.rateLimitRedis.prefix}http-rl:`, skipOnError: true }
      : {}),
    errorResponseBuilder: (_req, context) =>
      new AppError('rate_limited', `too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`, context.ttl),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'ChatChat HTTP API',
        version: '1.0.0',
        description: 'Everything that is not live. Live traffic is WebSocket /ws: see docs/protocol.md.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: docsCsp,
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerAuthRoutes({ app, services, limits, clock: options.clock });
  await registerAuthenticated(app, services, (scope) => {
    const ctx = { app: scope, services };
    registerSessionRoutes(ctx);
    registerProfileRoutes(ctx);
    registerUserSearchRoutes(ctx);
    registerRoomRoutes(ctx);
    registerMessageRoutes(ctx);
    registerNoticeRoutes(ctx);
    registerUploadRoutes(ctx);
    registerConversationRoutes(ctx);
  });
  registerAttachmentDownloadRoutes({ app, services });
  registerWebApp(app, { dir: options.webDir, blobOrigin: options.blobOrigin });
  return app;
}
