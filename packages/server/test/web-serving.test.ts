import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Limits } from '@chatchat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, startTestServer, type TestServer } from '@chatchat/server/testing';

/** A stand-in build: what the server does with apps/web/dist does not depend on its content. */
const webDir = mkdtempSync(path.join(os.tmpdir(), 'chatchat-web-'));
mkdirSync(path.join(webDir, 'assets'));
writeFileSync(
  path.join(webDir, 'index.html'),
  '<!doctype html><title>ChatChat</title><script type="module" src="/assets/app-abc123.js"></script>',
);
writeFileSync(path.join(webDir, 'assets', 'app-abc123.js'), 'console.log(1)');
writeFileSync(path.join(webDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');

let server: TestServer;
let http: ReturnType<typeof httpClient>;

beforeAll(async () => {
  server = await startTestServer({ WEB_DIR: webDir });
  http = httpClient(server.url);
});
afterAll(async () => {
  await server?.close();
  rmSync(webDir, { recursive: true, force: true });
});

describe('web app serving', () => {
  it('serves index.html uncached with a strict CSP, hashed assets immutable, client routes fall back', async () => {
    const root = await fetch(`${server.url}/`);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toContain('text/html');
    expect(root.headers.get('cache-control')).toBe('no-cache');
    const csp = root.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port} wss://127.0.0.1:${server.port}`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(root.headers.get('x-content-type-options')).toBe('nosniff');
    expect(root.headers.get('referrer-policy')).toBe('no-referrer');

    const asset = await fetch(`${server.url}/assets/app-abc123.js`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect(await asset.text()).toBe('console.log(1)');

    const route = await fetch(`${server.url}/rooms/some-room`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<title>ChatChat</title>');

    expect((await fetch(`${server.url}/assets/gone-000.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/favicon.svg`)).headers.get('content-type')).toBe('image/svg+xml');
  });

  it('leaves the API and its JSON 404s alone', async () => {
    expect((await http.call('GET', '/api/v1/nothing-here')).body.error.code).toBe('not_found');
    expect((await http.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await http.call('GET', '/api/v1/me')).status).toBe(401);
  });
});

describe('user directory', () => {
  it('finds users by username or display-name prefix, pages with a cursor, caps the page, needs a token', async () => {
    const tag = Date.now().toString(36);
    const mk = async (username: string, displayName: string) =>
      (await http.call('POST', '/api/v1/auth/signup', { username, password: 'correct horse battery', displayName })).body;
    const a = await mk(`dir${tag}a`, 'Anna');
    const b = await mk(`dir${tag}b`, '김민준');
    const c = await mk(`dir${tag}c`, `Cleo`);
    const token = a.accessToken as string;

    expect((await http.call('GET', `/api/v1/users?query=dir${tag}`)).status).toBe(401);
    const page1 = await http.call('GET', `/api/v1/users?query=DIR${tag}&limit=2`, undefined, token);
    expect(page1.status).toBe(200);
    expect(page1.body.users.map((u: { id: string }) => u.id)).toEqual([a.user.id, b.user.id]);
    expect(page1.body.users[0].passwordHash).toBeUndefined();
    const page2 = await http.call('GET', `/api/v1/users?query=dir${tag}&limit=2&cursor=${page1.body.nextCursor}`, undefined, token);
    expect(page2.body).toEqual({ users: [c.user], nextCursor: null });

    const byName = await http.call('GET', `/api/v1/users?query=${encodeURIComponent('김민')}`, undefined, token);
    expect(byName.body.users.map((u: { id: string }) => u.id)).toContain(b.user.id);

    for (const bad of ['', `x&limit=${Limits.maxUserSearchPage + 1}`, `x&cursor=%25%25`, 'x'.repeat(Limits.maxUserSearchChars + 1)]) {
      const res = await http.call('GET', `/api/v1/users?query=${bad}`, undefined, token);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe('invalid');
    }
  });
});
