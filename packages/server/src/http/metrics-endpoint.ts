import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Metrics } from '../observability/metrics.js';

export interface MetricsEndpointOptions {
  metrics: Metrics;
  /** Set: the public port serves `/metrics` to `Authorization: Bearer <token>` only. */
  token?: string;
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** `/metrics` on the public app: only behind a token; without one the route does not exist there. */
export function registerPublicMetrics(app: FastifyInstance, { metrics, token }: MetricsEndpointOptions) {
  if (!token) return;
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (!tokenMatches(req.headers.authorization, token)) {
      return reply
        .status(401)
        .header('www-authenticate', 'Bearer')
        .send({ error: { code: 'unauthorized', message: 'metrics need the metrics token' } });
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}

/** A separate listener for Prometheus (METRICS_PORT): keep it off the public network. */
export async function startMetricsServer(options: { metrics: Metrics; port: number; host: string }): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_req, reply) =>
    reply.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics()),
  );
  await app.listen({ port: options.port, host: options.host });
  return app;
}
