import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.js';
import { startChatServer, type ChatServer } from '../../src/app.js';
import { createLogger } from '../../src/logger.js';
import type { Clock } from '../../src/ports/clock.js';

export interface TestServer extends ChatServer {
  /** `ws://127.0.0.1:<port>/ws` */
  wsUrl: string;
  dataDir: string;
}

/** A real server on port 0 with its own SQLite file in a temp dir; `close()` removes both. */
export async function startTestServer(env: Record<string, string> = {}, options: { clock?: Clock } = {}): Promise<TestServer> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'chatchat-test-'));
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, JWT_SECRET: 'test-secret-0123456789abcdef',
    RATE_LIMIT_OPS_PER_SEC: '100000', RATE_LIMIT_BURST: '100000', READ_COALESCE_MS: '50', ...env,
  });
  const server = await startChatServer(config, { log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), ...options });
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
