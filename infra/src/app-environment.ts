import { drainTimings, type EnvironmentConfig } from './config.js';

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
    // Behind the ALB: client addresses come from X-Forwarded-For (rate limits, lockouts).
    TRUST_PROXY: 'true',
    // WebSocket upgrades and browsers' CORS: only the app's own origin.
    ALLOWED_ORIGINS: `https://${env.domainName}`,
    // Prometheus on its own port: the task security group only admits 8080, so it stays inside the task.
    METRICS_PORT: String(metricsPort),
    // Above the ALB idle timeout, so the ALB (not the app) closes idle keep-alive connections.
    HTTP_KEEP_ALIVE_TIMEOUT_MS: String((drainTimings(env).albIdleTimeoutSec + 5) * 1000),
    ...moreAppParameters(env),
  };
}

/** The place for settings the app gains next: add them here and they reach every task as Parameter Store values. */
export function moreAppParameters(_env: EnvironmentConfig): Record<string, string> {
  return {};
}

/** Port the app serves Prometheus /metrics on (kept off the load balancer). */
export const metricsPort = 9464;

/** Per-role settings the tasks get as plain environment variables. */
export function roleEnvironment(role: 'api' | 'gateway' | 'worker', containerPort: number): Record<string, string> {
  return { ROLE: role, PORT: String(containerPort), HOST: '0.0.0.0' };
}

/** Attachments in the data stack's bucket; credentials come from the task role (no keys). */
export function blobStoreEnvironment(bucketName: string, region: string): Record<string, string> {
  return { BLOB_STORE: 's3', S3_BUCKET: bucketName, S3_REGION: region };
}
