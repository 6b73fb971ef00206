import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, startTestServer, httpClient } from '@chatchat/server/testing';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chatchat-cli-'));
const env = { DATA_DIR: dataDir, JWT_SECRET: 'test-secret-0123456789abcdef', LOG_LEVEL: 'silent' };
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('chatchat CLI', () => {
  it('migrates, makes the first platform admin, and that admin can announce', async () => {
    expect(await runCli(['migrate'], env)).toContain('migrations applied (sqlite)');
    expect(await runCli(['admin', 'create', 'boss', '--password', 'boss-password-1'], env)).toContain('boss is now a platform admin');
    const server = await startTestServer(env);
    try {
      const http = httpClient(server.url);
      const login = await http.call('POST', '/api/v1/auth/login', { username: 'boss', password: 'boss-password-1' });
      expect(login.status).toBe(200);
      const posted = await http.call('POST', '/api/v1/announcements', { body: 'Welcome to ChatChat' }, login.body.accessToken);
      expect(posted.status).toBe(201);
    } finally {
      await server.close();
    }
    expect(await runCli(['admin', 'revoke', 'boss'], env)).toContain('boss is no longer a platform admin');
    await expect(runCli(['admin', 'revoke', 'nobody'], env)).rejects.toThrow(/no user named nobody/);
  });

  it('refuses a bad configuration with a clear message', async () => {
    await expect(runCli(['migrate'], { ...env, DATABASE_URL: 'mysql://nope' })).rejects.toThrow(/DATABASE_URL must be a postgres/);
    await expect(runCli(['migrate'], { ...env, ROLE: 'janitor' })).rejects.toThrow(/ROLE must be/);
  });
});
