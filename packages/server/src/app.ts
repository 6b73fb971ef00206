import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { Store } from './ports/store.js';
import type { MeteredBus } from './adapters/bus/bus-stats.js';
import type { Presence } from './ports/presence.js';
import { createStore } from './adapters/store/index.js';
import { createMemoryHub } from './adapters/bus/memory-hub.js';
import { createMemoryPresence } from './adapters/presence/memory-presence.js';
import { createMetrics } from './observability/metrics.js';
import { createServices, type Services } from './services.js';
import { createHttpApp } from './http/http-app.js';
import { createGateway, type Gateway } from './gateway/gateway.js';
import type { BlobStore } from './ports/blob-store.js';
import { createLocalBlobStore } from './adapters/blobs/local-blob-store.js';
import { createAttachmentJobs } from './features/attachments/jobs/attachment-jobs.js';

export interface ChatServer {
  readonly config: Config;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly nodeId: string;
  readonly services: Services;
  readonly store: Store;
  readonly gateway: Gateway | null;
  /** Worker role: the attachment job runner (tests run or await jobs through it). */
  readonly jobs: ReturnType<typeof createAttachmentJobs> | null;
  /** SIGTERM path: stop accepting, let in-flight work finish, tell clients to reconnect, then close. */
  drain(): Promise<void>;
  /** Closes everything in dependency order. Idempotent. */
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  clock?: Clock;
}

export function openStore(config: Config): Promise<Store> {
  return config.databaseUrl
    ? createStore({ kind: 'postgres', url: config.databaseUrl, poolSize: config.pgPoolSize, statementTimeoutMs: config.pgStatementTimeoutMs })
    : createStore({ kind: 'sqlite', file: path.join(config.dataDir, 'chatchat.db'), synchronous: config.sqliteSynchronous });
}

/** The S3 client loads only when configured. */
export async function openBlobStore(config: Config, clock: Clock): Promise<BlobStore> {
  const b = config.blobs;
  if (b.kind === 'local') return createLocalBlobStore({ dir: b.dir });
  const { createS3BlobStore } = await import('./adapters/blobs/s3-blob-store.js');
  return createS3BlobStore({
    bucket: b.bucket, region: b.region, endpoint: b.endpoint, forcePathStyle: b.forcePathStyle, prefix: b.prefix, clock,
    ...(b.credentials ? { credentials: b.credentials } : {}),
  });
}

/** Redis adapters load only in scale-out mode, so the embedded process never loads a Redis client. */
async function openRealtime(config: Config, nodeId: string, log: Logger): Promise<{ bus: MeteredBus; presence: Presence }> {
  if (!config.redisUrl) return { bus: createMemoryHub().createBus(), presence: createMemoryPresence() };
  const [{ createRedisBus }, { createRedisPresence }] = await Promise.all([
    import('./adapters/bus/redis-bus.js'),
    import('./adapters/presence/redis-presence.js'),
  ]);
  return {
    bus: createRedisBus({ url: config.redisUrl, prefix: config.redisPrefix, nodeId, logger: log }),
    presence: createRedisPresence({ url: config.redisUrl, prefix: config.redisPrefix, nodeId, ttlMs: config.presenceTtlMs }),
  };
}

/** The composition root: the only place that picks adapters for the ports. */
export async function startChatServer(config: Config, options: StartOptions = {}): Promise<ChatServer> {
  const log = options.log ?? createLogger({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  const nodeId = randomUUID();
  const metrics = createMetrics();

  const store = await openStore(config);
  if (config.migrateOnStart) await store.migrate();
  const { bus, presence } = await openRealtime(config, nodeId, log);
  metrics.observeBus(() => bus.stats);
  const blobs = await openBlobStore(config, clock);
  let wakeJobs: (() => void) | undefined;
  const services = createServices({ config, store, bus, presence, clock, log, metrics, blobs, onJobEnqueued: () => wakeJobs?.() });
  // Worker role: durable attachment jobs (thumbnails, avatar sizes) and the lifecycle sweep.
  const jobs = config.roles.has('worker')
    ? createAttachmentJobs({ store, clock, log, config: config.uploads, attachments: services.attachments })
    : null;
  wakeJobs = jobs ? () => jobs.wake() : undefined;

  const http = await createHttpApp({
    log,
    metrics,
    services: config.roles.has('api') ? services : null,
    checkReady: async () => {
      await store.ping();
      if (!bus.healthy) throw new Error('bus unavailable');
    },
  });
  const gateway = config.roles.has('gateway')
    ? createGateway({
        server: http.server,
        bus,
        services,
        log,
        metrics,
        heartbeatMs: config.heartbeatMs,
        authTimeoutMs: config.authTimeoutMs,
        maxBufferedBytes: config.maxBufferedBytes,
        rateLimitOpsPerSec: config.rateLimitOpsPerSec,
        rateLimitBurst: config.rateLimitBurst,
        presenceTickMs: Math.max(50, Math.floor(config.presenceTtlMs / 3)),
      })
    : null;

  await http.listen({ port: config.port, host: config.host });
  jobs?.start();
  const port = (http.server.address() as AddressInfo).port;
  log.info({ port, roles: [...config.roles], nodeId, store: store.dialect, bus: config.redisUrl ? 'redis' : 'memory' }, 'chatchat listening');

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await gateway?.close();
      await jobs?.close();
      await http.close();
      services.close();
      await bus.close();
      await presence.close();
      await store.close();
      await blobs.close();
    })());

  return {
    config, port, url: `http://127.0.0.1:${port}`, nodeId, services, store, gateway, jobs,
    async drain() {
      await gateway?.drain(config.drainTimeoutMs);
      await close();
    },
    close,
  };
}
