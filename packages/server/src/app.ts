import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { createLogger, type Logger } from './logger.js';
import { systemClock, type Clock } from './ports/clock.js';
import type { Store } from './ports/store.js';
import type { MeteredBus } from './ports/bus.js';
import type { Presence } from './ports/presence.js';
import { createStore } from './adapters/store/index.js';
import { createMemoryHub } from './adapters/bus/memory-hub.js';
import { createMemoryPresence } from './adapters/presence/memory-presence.js';
import { createMetrics } from './observability/metrics.js';
import { createServices, type Services } from './services.js';
import { createHttpApp } from './http/http-app.js';
import { createGateway, type Gateway } from './gateway/gateway.js';
import { startJobRunner, type JobRunner, type PeriodicJob } from './worker/job-runner.js';
import { presenceLeaseJob, presenceReaperJob } from './worker/presence-jobs.js';
import { sessionSweepJob } from './worker/session-jobs.js';
import { searchIndexJob } from './worker/search-jobs.js';
import type { BlobStore } from './ports/blob-store.js';
import { createLocalBlobStore } from './adapters/blobs/local-blob-store.js';
import { attachmentJobs } from './features/attachments/jobs/attachment-jobs.js';
import { startMetricsServer } from './http/metrics-endpoint.js';
import { tapChannel } from './adapters/bus/channel-tap.js';
import { Channels } from './realtime/channels.js';
import { createDataDir } from './config.js';

export interface ChatServer {
  readonly config: Config;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly nodeId: string;
  readonly services: Services;
  readonly store: Store;
  readonly gateway: Gateway | null;
  /** Periodic jobs of this process's roles (gateway: presence lease; worker: reaping, sweeping). */
  readonly jobs: JobRunner;
  /** `METHOD /path` of every HTTP route this process serves. */
  readonly routes: readonly string[];
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
  if (config.databaseUrl && /^mongodb(\+srv)?:\/\//.test(config.databaseUrl)) {
    return createStore({ kind: 'mongodb', url: config.databaseUrl, poolSize: config.pgPoolSize });
  }
  if (!config.databaseUrl) createDataDir(config.dataDir);
  return config.databaseUrl
    ? createStore({
        kind: 'postgres',
        url: config.databaseUrl,
        poolSize: config.pgPoolSize,
        statementTimeoutMs: config.pgStatementTimeoutMs,
      })
    : createStore({ kind: 'sqlite', file: path.join(config.dataDir, 'chatchat.db'), synchronous: config.sqliteSynchronous });
}

/** Redis adapters load only in scale-out mode, so the embedded process never loads a Redis client. */
async function openRealtime(config: Config, nodeId: string, log: Logger, clock: Clock): Promise<{ bus: MeteredBus; presence: Presence }> {
  if (!config.redisUrl) return { bus: createMemoryHub().createBus(), presence: createMemoryPresence({ clock }) };
  const [{ createRedisBus }, { createRedisPresence }] = await Promise.all([
    import('./adapters/bus/redis-bus.js'),
    import('./adapters/presence/redis-presence.js'),
  ]);
  return {
    bus: createRedisBus({ url: config.redisUrl, prefix: config.redisPrefix, nodeId, logger: log }),
    presence: createRedisPresence({ url: config.redisUrl, prefix: config.redisPrefix, nodeId, ttlMs: config.presenceTtlMs }),
  };
}

async function openRateLimitRedis(url: string) {
  const { Redis } = await import('ioredis');
  // Rate limiting must not hold requests while Redis is away (skipOnError lets them through).
  return new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
}

/** The S3 client loads only when configured. */
export async function openBlobStore(config: Config, clock: Clock): Promise<BlobStore> {
  const b = config.blobs;
  if (b.kind === 'local') return createLocalBlobStore({ dir: b.dir });
  const { createS3BlobStore } = await import('./adapters/blobs/s3-blob-store.js');
  return createS3BlobStore({
    bucket: b.bucket,
    region: b.region,
    endpoint: b.endpoint,
    forcePathStyle: b.forcePathStyle,
    prefix: b.prefix,
    clock,
    ...(b.credentials ? { credentials: b.credentials } : {}),
  });
}

/**
 * Where browsers fetch files from when it is not this server: the origin of a presigned
 * link (made locally, nothing sent), so the URL's shape stays the blob store's business.
 */
async function directOrigin(blobs: BlobStore, log: Logger): Promise<string | undefined> {
  if (!blobs.createDirectDownload) return undefined;
  try {
    const url = await blobs.createDirectDownload('csp-probe', {
      expiresInSec: 60,
      contentType: 'application/octet-stream',
      contentDisposition: 'attachment',
    });
    return new URL(url).origin;
  } catch (err) {
    log.warn({ err }, 'no blob store origin for the CSP: images and uploads from it will be refused by browsers');
    return undefined;
  }
}

/** The composition root: the only place that picks adapters for the ports. */
export async function startChatServer(config: Config, options: StartOptions = {}): Promise<ChatServer> {
  const log = options.log ?? createLogger({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  const nodeId = randomUUID();
  const metrics = createMetrics();

  const store = await openStore(config);
  if (config.migrateOnStart) await store.migrate();
  const realtime = await openRealtime(config, nodeId, log, clock);
  const { presence } = realtime;
  // Session revocations reach every process at once; `services` is assigned before any arrives.
  let services: Services | undefined;
  const sessionsTapped = await tapChannel(realtime.bus, Channels.sessions, (payload) => {
    try {
      services?.revocations.receive(payload);
    } catch (err) {
      log.error({ err }, 'bad session revocation message');
    }
  });
  // Whatever goes to everyone (announcements) makes the process's announcement cache stale,
  // and so does an outage that may have lost such a message. The gateway gets them after.
  const bus = await tapChannel(sessionsTapped, Channels.everyone, () => services?.notices.announcementsChanged(), { passOn: true });
  bus.onRecovered(() => services?.notices.announcementsChanged());
  metrics.observeBus(() => bus.stats);
  const blobs = await openBlobStore(config, clock);
  services = createServices({ config, store, bus, presence, clock, log, metrics, blobs });
  await services.auth.warmRevocations();

  const rateLimitRedis = config.redisUrl && config.roles.has('api') ? await openRateLimitRedis(config.redisUrl) : undefined;
  const routes: string[] = [];
  const http = await createHttpApp({
    routes,
    log,
    metrics,
    clock,
    limits: config.http,
    metricsToken: config.metricsToken,
    rateLimitRedis: rateLimitRedis && { client: rateLimitRedis, prefix: config.redisPrefix },
    services: config.roles.has('api') ? services : null,
    webDir: config.webDir,
    blobOrigin: await directOrigin(blobs, log),
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
        maxSocketsPerUser: config.maxSocketsPerUser,
        maxPendingHellos: config.maxPendingHellos,
        maxAnonymousSocketsPerAddress: config.maxAnonymousSocketsPerIp,
        maxInFlightPerSocket: config.maxInFlightPerSocket,
        allowedOrigins: config.allowedOrigins,
        trustProxy: config.trustProxy,
      })
    : null;

  const periodic: PeriodicJob[] = [];
  if (config.roles.has('gateway')) periodic.push(presenceLeaseJob(services.presence, config.presenceTtlMs));
  if (config.roles.has('worker')) {
    periodic.push(presenceReaperJob(services.presence, config.presenceTtlMs));
    periodic.push(sessionSweepJob(services.auth, config.sessionSweepIntervalSec * 1000, log));
    periodic.push(searchIndexJob(store));
    periodic.push(...attachmentJobs({ store, clock, log, config: config.uploads, attachments: services.attachments }));
  }
  const jobs = startJobRunner({ jobs: periodic, log, metrics });

  await http.listen({ port: config.port, host: config.host, backlog: config.listenBacklog });
  const port = (http.server.address() as AddressInfo).port;
  const metricsServer = config.metricsPort ? await startMetricsServer({ metrics, port: config.metricsPort, host: config.host }) : null;
  log.info(
    { port, roles: [...config.roles], jobs: jobs.jobs, nodeId, store: store.dialect, bus: config.redisUrl ? 'redis' : 'memory' },
    'chatchat listening',
  );

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await jobs.close();
      await gateway?.close();
      // A request whose client stopped sending its body (e.g. it gave up after an early 4xx)
      // would hold the close for the whole request timeout: in-flight requests get the drain
      // time, then whatever is left is cut.
      const cut = setTimeout(() => http.server.closeAllConnections(), config.drainTimeoutMs);
      await http.close();
      clearTimeout(cut);
      await metricsServer?.close();
      rateLimitRedis?.disconnect();
      services.close();
      await bus.close();
      await presence.close();
      await store.close();
      await blobs.close();
    })());

  return {
    config,
    port,
    url: `http://127.0.0.1:${port}`,
    nodeId,
    services,
    store,
    gateway,
    jobs,
    routes,
    async drain() {
      await gateway?.drain(config.drainTimeoutMs);
      await close();
    },
    close,
  };
}
