import { randomUUID } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import type { MeteredBus } from '../../ports/bus.js';
import { createBusStats, reportHandlerError, type BusLogger } from './bus-stats.js';
import { createFifoDispatcher } from './fifo-dispatcher.js';

export interface RedisBusOptions {
  url: string;
  /** Prepended to every Redis channel name. Default 'chatchat:bus:'. */
  prefix?: string;
  /** Tags this process's payloads so it can drop its own echo. Default: a random UUID. Must not contain '\n'. */
  nodeId?: string;
  /**
   * SPUBLISH/SSUBSCRIBE (Redis 7 sharded pub/sub) instead of PUBLISH/SUBSCRIBE.
   * In a Redis Cluster a classic PUBLISH is forwarded over the cluster bus to every
   * node, so pub/sub traffic grows with cluster size and adding shards adds no
   * capacity; a sharded channel lives on the one shard that owns its slot, so room
   * traffic stays there and throughput scales with shards. A standalone Redis 7
   * accepts both. (This adapter talks to one endpoint; a cluster needs the ioredis
   * Cluster client, which is not wired here.)
   */
  sharded?: boolean;
  logger?: BusLogger;
  /** Cap of the exponential reconnect backoff. Default 2000 ms. */
  maxReconnectDelayMs?: number;
  /** Each connection is PINGed this often; a PING still unanswered at the next tick forces a reconnect (stalled link). Default 5000 ms. */
  pingIntervalMs?: number;
  /** Publishes awaiting Redis beyond which new ones are dropped (and counted), so a stalled link cannot grow memory without bound. Default 100,000. */
  maxPendingPublishes?: number;
}

export interface RedisBus extends MeteredBus {
  readonly nodeId: string;
}

/**
 * Bus over Redis pub/sub: one publisher and one subscriber connection.
 *
 * Local subscribers get this process's own publishes straight from an in-process FIFO
 * (and the Redis echo is dropped by origin id), so delivery inside a process keeps
 * working while Redis is away. While Redis is away, publishes to other processes are
 * dropped and counted, never queued or thrown; once both connections are back and
 * every channel is subscribed again, onRecovered handlers run so gateways can make
 * their clients resync.
 */
export function createRedisBus(options: RedisBusOptions): RedisBus {
  const prefix = options.prefix ?? 'chatchat:bus:';
  const nodeId = options.nodeId ?? randomUUID();
  if (nodeId.includes('\n')) throw new Error('nodeId must not contain a newline');
  const sharded = options.sharded ?? false;
  const log = options.logger;
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? 2000;
  const pingIntervalMs = options.pingIntervalMs ?? 5000;
  const maxPendingPublishes = options.maxPendingPublishes ?? 100_000;

  const stats = createBusStats();
  const channels = new Set<string>();
  const recoveredHandlers: (() => void)[] = [];
  let handler: ((channel: string, payload: string) => void) | null = null;
  let closed = false;
  let pubReady = false;
  let pubEverReady = false;
  let subReady = false;
  let everHealthy = false;
  let lost = false;
  let lastError: unknown = null;
  let pending = 0;
  // Bumped on every subscriber (re)connect and close, so a resubscription that
  // finishes after the connection dropped again does not claim health.
  let subGeneration = 0;

  const common: RedisOptions = {
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 10), maxReconnectDelayMs),
    // Commands in flight when a connection drops are failed at once. With any other
    // value ioredis keeps them and re-sends them only after reconnecting: a publish()
    // would hang for the whole outage, and late re-sends would resurrect subscriptions.
    maxRetriesPerRequest: 0,
    // A stalled socket that ignores our FIN is destroyed after this long.
    disconnectTimeout: 500,
  };
  // The publisher keeps ioredis's offline queue only for the first connect (see
  // publish); the subscriber never queues because it resubscribes from `channels`.
  const pub = new Redis(options.url, { ...common, connectionName: 'chatchat-bus-pub' });
  const sub = new Redis(options.url, {
    ...common,
    connectionName: 'chatchat-bus-sub',
    enableOfflineQueue: false,
    // We resubscribe ourselves (ioredis would too, SSUBSCRIBE included, but without
    // telling us when it is done, and onRecovered must fire only after that).
    autoResubscribe: false,
  });

  const local = createFifoDispatcher<{ channel: string; payload: string }>(({ channel, payload }) => {
    if (closed || !channels.has(channel) || !handler) return;
    try {
      handler(channel, payload);
    } catch (err) {
      reportHandlerError(err, log);
    }
  });

  function markLost(what: string, err: unknown = lastError): void {
    if (!lost && everHealthy && !closed) {
      log?.warn({ err, nodeId }, `redis bus: ${what}; local delivery continues, remote messages may be lost`);
    }
    lost = true;
  }

  function settle(): void {
    if (closed || !pubReady || !subReady) return;
    everHealthy = true;
    if (!lost) return;
    lost = false;
    stats.recoveries++;
    for (const recovered of recoveredHandlers) {
      try {
        recovered();
      } catch (err) {
        reportHandlerError(err, log);
      }
    }
  }

  const full = (channel: string) => prefix + channel;

  async function resubscribeAll(generation: number): Promise<void> {
    const names = [...channels].map(full);
    try {
      if (sharded) {
        // One SSUBSCRIBE per channel: in a cluster they may live in different slots.
        await Promise.all(names.map((name) => sub.ssubscribe(name)));
      } else {
        const batches: Promise<unknown>[] = [];
        for (let i = 0; i < names.length; i += 1000) batches.push(sub.subscribe(...names.slice(i, i + 1000)));
        await Promise.all(batches);
      }
    } catch (err) {
      if (generation === subGeneration && !closed) log?.error({ err, nodeId }, 'redis bus: resubscribe failed');
      return;
    }
    if (generation !== subGeneration || closed) return;
    subReady = true;
    settle();
  }

  function onRemote(fullChannel: string, frame: string): void {
    if (closed || !handler || !fullChannel.startsWith(prefix)) return;
    const newline = frame.indexOf('\n');
    if (newline < 0) return;
    // Our own publishes were already delivered locally.
    if (newline === nodeId.length && frame.startsWith(nodeId)) return;
    const channel = fullChannel.slice(prefix.length);
    if (!channels.has(channel)) return;
    stats.received++;
    try {
      handler(channel, frame.slice(newline + 1));
    } catch (err) {
      reportHandlerError(err, log);
    }
  }

  pub.on('error', (err) => {
    lastError = err;
  });
  pub.on('ready', () => {
    pubReady = true;
    pubEverReady = true;
    settle();
  });
  pub.on('close', () => {
    if (pubReady) markLost('publisher connection lost');
    pubReady = false;
  });

  sub.on('error', (err) => {
    lastError = err;
  });
  sub.on('ready', () => {
    const generation = ++subGeneration;
    void resubscribeAll(generation);
  });
  sub.on('close', () => {
    subGeneration++;
    if (subReady) markLost('subscriber connection lost');
    subReady = false;
  });
  sub.on('message', onRemote);
  sub.on('smessage', onRemote);

  // A half-open link (peer gone without FIN/RST) leaves ioredis "ready" forever:
  // an unanswered PING is how we notice and force a reconnect.
  const outstandingPing = new Map<Redis, boolean>();
  const pinger = setInterval(() => {
    for (const conn of [pub, sub]) {
      if (conn.status !== 'ready') {
        outstandingPing.delete(conn);
        continue;
      }
      if (outstandingPing.get(conn)) {
        outstandingPing.delete(conn);
        lastError = new Error(`no PONG within ${pingIntervalMs} ms`);
        conn.disconnect(true);
        continue;
      }
      outstandingPing.set(conn, true);
      conn.ping().then(
        () => outstandingPing.delete(conn),
        () => outstandingPing.delete(conn),
      );
    }
  }, pingIntervalMs);
  pinger.unref();

  async function quit(conn: Redis): Promise<void> {
    if (conn.status === 'ready') {
      const timer = setTimeout(() => conn.disconnect(), 1000);
      await conn.quit().catch(() => conn.disconnect());
      clearTimeout(timer);
    } else {
      conn.disconnect();
    }
  }

  return {
    nodeId,
    get stats() {
      return stats;
    },
    get healthy() {
      return !closed && pubReady && subReady;
    },

    async publish(channel, payload) {
      if (closed) throw new Error('bus is closed');
      if (channels.has(channel)) local.push({ channel, payload });
      // Before the very first connect the offline queue holds publishes (bounded:
      // maxRetriesPerRequest 0 flushes it on every failed attempt); after that, a
      // publisher that is not ready means an outage, and we drop instead of queueing.
      const writable = pub.status === 'ready' || !pubEverReady;
      if (!writable || pending >= maxPendingPublishes) {
        stats.publishErrors++;
        markLost(writable ? 'too many pending publishes' : 'publish while disconnected');
        return;
      }
      pending++;
      try {
        const frame = `${nodeId}\n${payload}`;
        if (sharded) await pub.spublish(full(channel), frame);
        else await pub.publish(full(channel), frame);
        stats.published++;
      } catch (err) {
        stats.publishErrors++;
        markLost('publish failed', err);
      } finally {
        pending--;
      }
    },

    async subscribe(channel) {
      if (closed) throw new Error('bus is closed');
      channels.add(channel);
      if (sub.status !== 'ready') {
        // Whatever is published before we are subscribed again is gone for us.
        markLost('subscribe while disconnected');
        return;
      }
      try {
        if (sharded) await sub.ssubscribe(full(channel));
        else await sub.subscribe(full(channel));
      } catch (err) {
        markLost('subscribe failed', err);
      }
    },

    async unsubscribe(channel) {
      if (!channels.delete(channel) || closed || sub.status !== 'ready') return;
      try {
        if (sharded) await sub.sunsubscribe(full(channel));
        else await sub.unsubscribe(full(channel));
      } catch (err) {
        // Harmless: incoming messages are filtered by `channels`, and a reconnect
        // subscribes only what is still wanted.
        log?.warn({ err, nodeId, channel }, 'redis bus: unsubscribe failed');
      }
    },

    onMessage(next) {
      handler = next;
    },

    onRecovered(recovered) {
      recoveredHandlers.push(recovered);
    },

    async close() {
      if (closed) return;
      closed = true;
      clearInterval(pinger);
      local.clear();
      await Promise.all([quit(pub), quit(sub)]);
    },
  };
}
