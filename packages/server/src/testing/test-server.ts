import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config.js';
import { startChatServer, type ChatServer } from '../app.js';
import { createLogger } from '../logger.js';
import type { Clock } from '../ports/clock.js';
import { mongoDatabaseUrl } from './test-store.js';
import { liftedLimitsEnv } from './lifted-limits.js';

export interface TestServer extends ChatServer {
  /** `ws://127.0.0.1:<port>/ws` */
  wsUrl: string;
  dataDir: string;
}

/** `/metrics` on test servers answers `Authorization: Bearer <this>`. */
export const testMetricsToken = 'test-metrics-token-0123456789';

/** A real server on port 0 with its own SQLite file in a temp dir; `close()` removes both. */
export async function startTestServer(env: Record<string, string> = {}, options: { clock?: Clock } = {}): Promise<TestServer> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'chatchat-test-'));
  const mongoUrl = env.DATABASE_URL ? undefined : await mongoDatabaseUrl();
  const config = loadConfig({
    ...(mongoUrl ? { DATABASE_URL: mongoUrl, MIGRATE_ON_START: 'true' } : {}),
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    JWT_SECRET: 'test-secret-0123456789abcdef',
    ...liftedLimitsEnv,
    READ_COALESCE_MS: '50',
    // The browser test's page is served from another port.
    ALLOWED_ORIGINS: '*',
    METRICS_TOKEN: testMetricsToken,
    ...env,
  });
  const server = await startChatServer(config, {
    log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    clock: options.clock,
  });
  const close = server.close;
  return Object.assign(server, {
    wsUrl: `ws://127.0.0.1:${server.port}/ws`,
    dataDir,
    async close() {
      await close();
      if (!env.DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
