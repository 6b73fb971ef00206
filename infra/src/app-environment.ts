import type { EnvironmentConfig } from './config.js';

/**
 * The one place the infrastructure names the app's environment variables
 * (packages/server/src/config.ts and the README's configuration table are the source).
 *
 * - `parameters`: plain settings, kept in Parameter Store under /chatchat/<env>/<NAME> and
 *   injected into every task (ECS `secrets` with an SSM parameter ARN), so a change needs no
 *   new template, only a rolled service.
 * - Secrets (JWT_SECRET, database and Redis credentials) come from Secrets Manager; see
 *   the services stack.
 */
export function appParameters(env: EnvironmentConfig): Record<string, string> {
  return {
    LOG_LEVEL: env.app.logLevel,
    HEARTBEAT_MS: String(env.app.heartbeatMs),
    DRAIN_TIMEOUT_MS: String(env.app.drainTimeoutMs),
    MIGRATE_ON_START: 'false',
    PG_POOL_SIZE: '10',
    PG_STATEMENT_TIMEOUT_MS: '5000',
    PRESENCE_TTL_MS: '30000',
    REDIS_PREFIX: 'chatchat:',
    // Settings other branches are adding (names as announced; confirm against config.ts at merge):
    ...pendingAppParameters(env),
  };
}

/** The place for settings the app gains: add them here and they reach every task. */
export function pendingAppParameters(env: EnvironmentConfig): Record<string, string> {
  return {
    ALLOWED_ORIGINS: `https://${env.domainName}`,
    METRICS_PORT: String(metricsPort),
  };
}

/** Port the app serves Prometheus /metrics on (kept off the load balancer). */
export const metricsPort = 9464;

/** Per-role settings the tasks get as plain environment variables. */
export function roleEnvironment(role: 'api' | 'gateway' | 'worker', containerPort: number): Record<string, string> {
  return { ROLE: role, PORT: String(containerPort), HOST: '0.0.0.0' };
}

/** Set by the data stack once the attachments engineer's S3 settings land (bucket + region). */
export function blobStoreEnvironment(bucketName: string, region: string): Record<string, string> {
  return { S3_BUCKET: bucketName, S3_REGION: region };
}
