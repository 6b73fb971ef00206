/**
 * `@chatchat/server/testing`: the one home of the helpers every package's tests use
 * (a real server on port 0, clients, waitFor, databases, a private Redis, a fault proxy,
 * a real multi-process cluster). Import from here, never by relative path or copy.
 */
export { startTestServer, testMetricsToken, type TestServer } from './test-server.js';
export { httpClient } from './http-client.js';
export { metric, scrapeMetrics } from './metrics.js';
export { RawClient } from './raw-client.js';
export { sdkClient } from './sdk-client.js';
export { useSdkServer } from './sdk-harness.js';
export { waitFor } from './wait-for.js';
export { holdHellos } from './held-hellos.js';
export { createTestDatabase, type TestDatabaseOptions } from './pg-database.js';
export { startRedisServer, type RedisServer } from './redis-server.js';
export { createTcpProxy, type TcpProxy, type TcpProxyOptions } from './tcp-proxy.js';
export { runCli, startCluster, startNode, type Cluster, type ClusterOptions, type NodeProcess } from './cluster.js';
export { mongoDatabaseUrl, useMongoStore } from './test-store.js';
export { startFerretDb, type RunningFerretDb } from './ferretdb.js';
export { chromiumPath, launchChromium } from './chromium.js';
export { startS3Server, type TestS3Server } from './s3-server.js';
