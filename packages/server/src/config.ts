import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Limits } from '@chatchat/protocol';

export type Role = 'api' | 'gateway' | 'worker';
const allRoles: readonly Role[] = ['api', 'gateway', 'worker'];

/** Everything the process needs to know, parsed once from the environment, then frozen. */
export interface Config {
  readonly host: string;
  readonly port: number;
  /**
   * Connections the kernel may hold for `accept` (capped by net.core.somaxconn). Node's 511
   * overflows when a dead gateway's clients all arrive at once: the dropped handshakes hang
   * until TCP gives up or the client's own deadline fires.
   */
  readonly listenBacklog: number;
  readonly roles: ReadonlySet<Role>;
  readonly dataDir: string;
  /** Unset: SQLite at `${dataDir}/chatchat.db`. */
  readonly databaseUrl: string | undefined;
  /** Unset: in-process bus and presence (one process only). */
  readonly redisUrl: string | undefined;
  readonly redisPrefix: string;
  readonly logLevel: string;
  readonly jwtSecret: string;
  readonly accessTokenTtlSec: number;
  readonly refreshTokenTtlSec: number;
  /** SQLite durability: NORMAL survives process crashes, FULL also power loss (fsync per group commit). */
  readonly sqliteSynchronous: 'NORMAL' | 'FULL';
  readonly pgPoolSize: number;
  readonly pgStatementTimeoutMs: number;
  /** Server WS ping interval; a socket that misses one pong is dropped at the next tick. */
  readonly heartbeatMs: number;
  readonly authTimeoutMs: number;
  /** A socket whose unsent bytes would pass this with the next frame is closed with 4429 (slow consumer). */
  readonly maxBufferedBytes: number;
  /** WS requests per user, across all their sockets on one process (per socket before `hello`). */
  readonly rateLimitOpsPerSec: number;
  readonly rateLimitBurst: number;
  /** Sockets one user may hold on one process; the next `hello` is closed with 4430. */
  readonly maxSocketsPerUser: number;
  /** Hellos a gateway answers at once; more get `rate_limited` and close 4430 (clients back off). */
  readonly maxPendingHellos: number;
  /** Sockets one address may hold before `hello` succeeds; the next is closed with 4430. */
  readonly maxAnonymousSocketsPerIp: number;
  /** Requests one socket may have unanswered; more are answered `rate_limited`. */
  readonly maxInFlightPerSocket: number;
  /** Origins browsers may open `/ws` from (exact `scheme://host[:port]`, or `*`); null: the Host's own origin. */
  readonly allowedOrigins: readonly string[] | null;
  /** Behind a load balancer: the client address is the last one in X-Forwarded-For. */
  readonly trustProxy: boolean;
  readonly readCoalesceMs: number;
  /** Pointers a room's `room.read` window may carry before the next window stretches. */
  readonly readCoalesceReaders: number;
  readonly presenceTtlMs: number;
  readonly drainTimeoutMs: number;
  /** Run migrations at start; defaults on for embedded SQLite, off for PostgreSQL (run `chatchat migrate`). */
  readonly migrateOnStart: boolean;
  /** Static web app to serve at `/`, if present. */
  readonly webDir: string | undefined;
  /** Absolute session lifetime from login; refresh never extends it. */
  readonly sessionTtlSec: number;
  readonly sessionSweepIntervalSec: number;
  readonly http: HttpLimits;
  readonly loginThrottle: LoginThrottleConfig;
  readonly passwordHashConcurrency: number;
  readonly passwordHashQueue: number;
  readonly rooms: RoomLimits;
  /** Set: `/metrics` is served only on this port (for Prometheus), never on the public one. */
  readonly metricsPort: number | undefined;
  /** Set: `/metrics` on the public port answers only `Authorization: Bearer <token>`. */
  readonly metricsToken: string | undefined;
  readonly blobs: BlobConfig;
  readonly uploads: UploadConfig;
}

export interface HttpLimits {
  /** Trust X-Forwarded-For / -Proto from the balancer in front (client IPs for rate limits, https for cookies). */
  readonly trustProxy: boolean;
  readonly bodyLimitBytes: number;
  /** The whole request (headers and body) must arrive within this: a trickled body is cut off. */
  readonly requestTimeoutMs: number;
  /** An idle socket is closed after this. */
  readonly connectionTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** Requests per client IP per minute, all routes together; 0 turns the limit off. */
  readonly rateLimitPerMin: number;
  readonly signupsPerIpPerHour: number;
  readonly loginsPerIpPerMin: number;
  readonly refreshesPerIpPerMin: number;
}

export interface LoginThrottleConfig {
  readonly freeFailures: number;
  readonly baseLockoutMs: number;
  readonly maxLockoutMs: number;
  readonly windowMs: number;
}

export interface RoomLimits {
  /** Rooms a user may be a member of (created, invited into, direct). */
  readonly maxRoomsPerUser: number;
  /** Group rooms one user may create per hour. */
  readonly createsPerHour: number;
  /** Users one user may add to rooms per hour (each invited user counts once). */
  readonly invitesPerHour: number;
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

function parseSynchronous(raw: string | undefined): 'NORMAL' | 'FULL' {
  const value = (raw || 'NORMAL').toUpperCase();
  if (value !== 'NORMAL' && value !== 'FULL') throw new ConfigError(`SQLITE_SYNCHRONOUS must be NORMAL or FULL, got "${raw}"`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (raw !== 'true' && raw !== 'false') throw new ConfigError(`${name} must be true or false, got "${raw}"`);
  return raw === 'true';
}

function parseOrigins(raw: string | undefined): readonly string[] | null {
  if (raw === undefined || raw.trim() === '') return null;
  return Object.freeze(
    raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((entry) => {
        if (entry === '*') return entry;
        let origin: string;
        try {
          origin = new URL(entry).origin;
        } catch {
          origin = 'null';
        }
        if (origin === 'null' || origin !== entry.replace(/\/$/, '').toLowerCase()) {
          throw new ConfigError(`ALLOWED_ORIGINS entries must be origins like https://chat.example.com (or *), got "${entry}"`);
        }
        return origin;
      }),
  );
}

function parseRoles(raw: string | undefined): Set<Role> {
  const parts = (raw ?? 'all')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const roles = new Set<Role>();
  for (const part of parts) {
    if (part === 'all') allRoles.forEach((r) => roles.add(r));
    else if ((allRoles as readonly string[]).includes(part)) roles.add(part as Role);
    else throw new ConfigError(`ROLE must be a comma list of api, gateway, worker or all; got "${part}"`);
  }
  if (roles.size === 0) throw new ConfigError('ROLE is empty');
  return roles;
}

/** The data directory holds password and token hashes: only this user may read it. */
export function createDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
}

function optionalPort(env: Env, name: string): number | undefined {
  return env[name] ? int(env, name, 0, 1) : undefined;
}

/**
 * Embedded mode needs no configuration, so the signing secret is generated once and kept
 * in the data directory. Scale-out processes must share one secret, so there it is required.
 */
function resolveJwtSecret(env: Env, dataDir: string, scaledOut: boolean): string {
  const fromEnv = env.JWT_SECRET;
  if (fromEnv) {
    if (fromEnv.length < 16) throw new ConfigError('JWT_SECRET must be at least 16 characters');
    return fromEnv;
  }
  if (scaledOut) throw new ConfigError('JWT_SECRET is required when DATABASE_URL or REDIS_URL is set');
  const file = path.join(dataDir, 'jwt-secret');
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (Buffer.byteLength(secret) < 32)
      throw new ConfigError(`${file} holds a JWT secret under 32 bytes; replace it or delete it to generate one`);
    return secret;
  }
  createDataDir(dataDir);
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

function metricsToken(env: Env): string | undefined {
  const token = env.METRICS_TOKEN || undefined;
  if (token && token.length < 16) throw new ConfigError('METRICS_TOKEN must be at least 16 characters');
  return token;
}

export type BlobConfig =
  | { readonly kind: 'local'; readonly dir: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly region: string;
      readonly endpoint: string | undefined;
      readonly forcePathStyle: boolean;
      readonly prefix: string;
      /** Unset: the AWS SDK's default credential chain (task role, instance profile, env). */
      readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
    };

export interface UploadConfig {
  readonly maxBytes: number;
  readonly allowedTypes: readonly string[];
  readonly quotaBytes: number;
  readonly ratePerMinute: number;
  /** Uploads never attached are deleted this long after they were asked for. */
  readonly orphanTtlSec: number;
  /** Files of a deleted message are deleted this long after the message. */
  readonly deletedGraceSec: number;
  /** Lifetime of signed download links and S3 presigned requests. */
  readonly linkTtlSec: number;
  readonly jobLeaseMs: number;
  readonly jobPollMs: number;
  readonly sweepIntervalMs: number;
}

export const defaultAllowedTypes = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/svg+xml',
  'application/pdf',
  'application/zip',
  'text/plain',
  'text/csv',
  'application/json',
  'audio/mpeg',
  'audio/ogg',
  'video/mp4',
  'video/webm',
];

function parseBlobs(env: Env, dataDir: string): BlobConfig {
  const kind = env.BLOB_STORE || (env.S3_BUCKET ? 's3' : 'local');
  if (kind === 'local') return { kind, dir: path.resolve(env.BLOB_DIR || path.join(dataDir, 'blobs')) };
  if (kind !== 's3') throw new ConfigError(`BLOB_STORE must be local or s3, got "${kind}"`);
  if (!env.S3_BUCKET) throw new ConfigError('S3_BUCKET is required when BLOB_STORE=s3');
  if (Boolean(env.S3_ACCESS_KEY_ID) !== Boolean(env.S3_SECRET_ACCESS_KEY)) {
    throw new ConfigError('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together');
  }
  return {
    kind,
    bucket: env.S3_BUCKET,
    region: env.S3_REGION || 'us-east-1',
    endpoint: env.S3_ENDPOINT || undefined,
    forcePathStyle: env.S3_FORCE_PATH_STYLE === 'true',
    prefix: env.S3_PREFIX || '',
    credentials: env.S3_ACCESS_KEY_ID ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY! } : undefined,
  };
}

function parseUploads(env: Env): UploadConfig {
  const types = env.UPLOAD_ALLOWED_TYPES
    ? env.UPLOAD_ALLOWED_TYPES.split(',')
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean)
    : defaultAllowedTypes;
  if (types.length === 0) throw new ConfigError('UPLOAD_ALLOWED_TYPES is empty');
  return {
    maxBytes: int(env, 'UPLOAD_MAX_BYTES', 25 * 1024 * 1024, 1),
    allowedTypes: Object.freeze([...types]),
    quotaBytes: int(env, 'UPLOAD_QUOTA_BYTES', 1024 * 1024 * 1024, 0),
    ratePerMinute: int(env, 'UPLOAD_RATE_PER_MIN', 60, 1),
    orphanTtlSec: int(env, 'UPLOAD_ORPHAN_TTL_SEC', 24 * 3600, 1),
    deletedGraceSec: int(env, 'ATTACHMENT_DELETE_GRACE_SEC', 3600, 0),
    linkTtlSec: int(env, 'ATTACHMENT_LINK_TTL_SEC', 300, 1),
    jobLeaseMs: int(env, 'JOB_LEASE_MS', 60_000, 100),
    jobPollMs: int(env, 'JOB_POLL_MS', 1000, 10),
    sweepIntervalMs: int(env, 'SWEEP_INTERVAL_MS', 10 * 60_000, 100),
  };
}

export function loadConfig(env: Env = process.env): Config {
  const dataDir = path.resolve(env.DATA_DIR || './data');
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^(postgres(ql)?|mongodb(\+srv)?):\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres://, mongodb:// or mongodb+srv:// URL (leave it unset for embedded SQLite)');
  }
  const redisUrl = env.REDIS_URL || undefined;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) throw new ConfigError('REDIS_URL must be a redis:// URL');
  const config: Config = {
    host: env.HOST || '0.0.0.0',
    port: int(env, 'PORT', 8080),
    listenBacklog: int(env, 'LISTEN_BACKLOG', 4096, 1),
    roles: parseRoles(env.ROLE),
    dataDir,
    databaseUrl,
    redisUrl,
    redisPrefix: env.REDIS_PREFIX || 'chatchat:',
    logLevel: env.LOG_LEVEL || 'info',
    jwtSecret: resolveJwtSecret(env, dataDir, Boolean(databaseUrl || redisUrl)),
    accessTokenTtlSec: int(env, 'ACCESS_TOKEN_TTL_SEC', 15 * 60, 1),
    refreshTokenTtlSec: int(env, 'REFRESH_TOKEN_TTL_SEC', 30 * 24 * 3600, 1),
    sqliteSynchronous: parseSynchronous(env.SQLITE_SYNCHRONOUS),
    pgPoolSize: int(env, 'PG_POOL_SIZE', 10, 1),
    pgStatementTimeoutMs: int(env, 'PG_STATEMENT_TIMEOUT_MS', 5000, 1),
    heartbeatMs: int(env, 'HEARTBEAT_MS', 15_000, 10),
    authTimeoutMs: int(env, 'AUTH_TIMEOUT_MS', 10_000, 10),
    maxBufferedBytes: int(env, 'MAX_BUFFERED_BYTES', 4 * 1024 * 1024, 1024),
    rateLimitOpsPerSec: int(env, 'RATE_LIMIT_OPS_PER_SEC', 50, 1),
    rateLimitBurst: int(env, 'RATE_LIMIT_BURST', 200, 1),
    maxSocketsPerUser: int(env, 'MAX_SOCKETS_PER_USER', 20, 1),
    maxPendingHellos: int(env, 'MAX_PENDING_HELLOS', 200, 1),
    maxAnonymousSocketsPerIp: int(env, 'MAX_ANONYMOUS_SOCKETS_PER_IP', 50, 1),
    maxInFlightPerSocket: int(env, 'MAX_IN_FLIGHT_PER_SOCKET', 32, 1),
    allowedOrigins: parseOrigins(env.ALLOWED_ORIGINS),
    trustProxy: bool(env, 'TRUST_PROXY', false),
    readCoalesceMs: int(env, 'READ_COALESCE_MS', Limits.readCoalesceMs, 0),
    readCoalesceReaders: int(env, 'READ_COALESCE_READERS', Limits.snapshotReadersPerRoom, 1),
    presenceTtlMs: int(env, 'PRESENCE_TTL_MS', 30_000, 100),
    drainTimeoutMs: int(env, 'DRAIN_TIMEOUT_MS', 10_000, 0),
    migrateOnStart: env.MIGRATE_ON_START ? env.MIGRATE_ON_START === 'true' : !databaseUrl,
    webDir: env.WEB_DIR || undefined,
    sessionTtlSec: int(env, 'SESSION_TTL_SEC', 30 * 24 * 3600, 60),
    sessionSweepIntervalSec: int(env, 'SESSION_SWEEP_INTERVAL_SEC', 3600, 1),
    http: Object.freeze({
      trustProxy: bool(env, 'TRUST_PROXY', false),
      bodyLimitBytes: int(env, 'HTTP_BODY_LIMIT_BYTES', 256 * 1024, 1024),
      requestTimeoutMs: int(env, 'HTTP_REQUEST_TIMEOUT_MS', 30_000, 100),
      connectionTimeoutMs: int(env, 'HTTP_CONNECTION_TIMEOUT_MS', 60_000, 100),
      keepAliveTimeoutMs: int(env, 'HTTP_KEEP_ALIVE_TIMEOUT_MS', 72_000, 100),
      rateLimitPerMin: int(env, 'HTTP_RATE_LIMIT_PER_MIN', 1200, 0),
      signupsPerIpPerHour: int(env, 'SIGNUPS_PER_IP_PER_HOUR', 20, 1),
      loginsPerIpPerMin: int(env, 'LOGINS_PER_IP_PER_MIN', 30, 1),
      refreshesPerIpPerMin: int(env, 'REFRESHES_PER_IP_PER_MIN', 60, 1),
    }),
    loginThrottle: Object.freeze({
      freeFailures: int(env, 'LOGIN_FREE_FAILURES', 5, 1),
      baseLockoutMs: int(env, 'LOGIN_LOCKOUT_BASE_MS', 1000, 1),
      maxLockoutMs: int(env, 'LOGIN_LOCKOUT_MAX_MS', 15 * 60_000, 1),
      windowMs: int(env, 'LOGIN_FAILURE_WINDOW_MS', 15 * 60_000, 1),
    }),
    passwordHashConcurrency: int(env, 'PASSWORD_HASH_CONCURRENCY', 2, 1),
    passwordHashQueue: int(env, 'PASSWORD_HASH_QUEUE', 64, 0),
    rooms: Object.freeze({
      maxRoomsPerUser: int(env, 'MAX_ROOMS_PER_USER', 1000, 1),
      createsPerHour: int(env, 'ROOM_CREATES_PER_HOUR', 60, 1),
      invitesPerHour: int(env, 'INVITES_PER_HOUR', 500, 1),
    }),
    metricsPort: optionalPort(env, 'METRICS_PORT'),
    metricsToken: metricsToken(env),
    blobs: parseBlobs(env, dataDir),
    uploads: parseUploads(env),
  };
  return Object.freeze(config);
}
