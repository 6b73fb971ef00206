import { connect } from 'node:net';
import { statSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, startTestServer, testMetricsToken, type TestServer } from '@chatchat/server/testing';
import { createManualClock } from '../src/ports/clock.js';
import { ConfigError, loadConfig } from '../src/config.js';

const password = 'correct horse battery';
const clock = createManualClock();
let server: TestServer;
let http: ReturnType<typeof httpClient>;

beforeAll(async () => {
  server = await startTestServer({ LOGIN_FREE_FAILURES: '5', LOGIN_LOCKOUT_BASE_MS: '1000', LOGIN_LOCKOUT_MAX_MS: '60000' }, { clock });
  http = httpClient(server.url);
});
afterAll(() => server.close());

describe('login throttling', () => {
  it('locks out 200 wrong passwords, refuses the right one while locked, serves others, and lets in after the window', async () => {
    const victim = await http.signup();
    const bystander = await http.signup();
    const statuses: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const res = await http.call('POST', '/api/v1/auth/login', { username: victim.user.username, password: 'wrong password here' });
        statuses.push(res.status);
        return res;
      }),
    );
    // Only the free failures and the one that locked reached argon2, though all 200 were in flight at once.
    expect(statuses.filter((s) => s === 401).length).toBe(6);
    const limited = results.filter((r) => r.status === 429);
    expect(limited.length).toBe(194);
    expect(limited[0]!.body).toMatchObject({ error: { code: 'rate_limited' } });
    // Locked: the right password gets the same 429, so it cannot serve as an oracle.
    const right = await http.call('POST', '/api/v1/auth/login', { username: victim.user.username, password });
    expect(right).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
    // It says when the lock ends, in the body for clients and as Retry-After for everyone else.
    const { retryAfterMs } = right.body.error;
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(61_000);
    expect(right.retryAfter).toBe(String(Math.ceil(retryAfterMs / 1000)));
    // Another user's request was and is served.
    expect((await http.call('GET', '/api/v1/me', undefined, bystander.accessToken)).status).toBe(200);
    clock.advance(61_000);
    expect((await http.call('POST', '/api/v1/auth/login', { username: victim.user.username, password })).status).toBe(200);
  });

  it('treats an unknown username exactly like a known one', async () => {
    const known = await http.signup();
    // This IP failed 200 times in the test before: let its failures be forgotten first.
    clock.advance(16 * 60_000);
    const answers = async (username: string) => {
      const out: number[] = [];
      for (let i = 0; i < 7; i++)
        out.push((await http.call('POST', '/api/v1/auth/login', { username, password: 'nope nope nope' })).status);
      return out;
    };
    // Same IP for both: move past the IP lockout in between.
    const a = await answers(known.user.username);
    clock.advance(15 * 60_000 + 61_000);
    const b = await answers(`ghost${Date.now().toString(36)}`);
    expect(a).toEqual(b);
    expect(a).toEqual([401, 401, 401, 401, 401, 401, 429]);
    clock.advance(15 * 60_000 + 61_000);
  });
});

describe('HTTP abuse limits', () => {
  it('applies the global per-client rate limit with the catalogue shape', async () => {
    const limited = await startTestServer({ HTTP_RATE_LIMIT_PER_MIN: '5' });
    try {
      const statuses = [];
      for (let i = 0; i < 7; i++) statuses.push(await httpClient(limited.url).call('GET', '/api/v1/announcements'));
      expect(statuses.slice(0, 5).map((s) => s.status)).toEqual([401, 401, 401, 401, 401]);
      expect(statuses[5]).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
      // Health checks are never limited.
      expect((await fetch(`${limited.url}/healthz`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('refuses password hashing past the queue bound with 503 unavailable', async () => {
    const busy = await startTestServer({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '0' });
    try {
      const client = httpClient(busy.url);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          client.call('POST', '/api/v1/auth/signup', { username: `busy${i}`, password, displayName: 'b' }),
        ),
      );
      expect(results.some((r) => r.status === 201)).toBe(true);
      const refused = results.filter((r) => r.status === 503);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused[0]!.body).toMatchObject({ error: { code: 'unavailable' } });
    } finally {
      await busy.close();
    }
  });

  it('cuts off a request whose body trickles in', async () => {
    const slow = await startTestServer({ HTTP_REQUEST_TIMEOUT_MS: '400' });
    try {
      const socket = connect(slow.port, '127.0.0.1');
      let answer = '';
      socket.on('data', (d) => (answer += d));
      socket.write('POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
      const trickle = setInterval(() => socket.write(' '), 50);
      await new Promise((resolve) => socket.on('close', resolve));
      clearInterval(trickle);
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect((await httpClient(slow.url).call('GET', '/healthz')).status).toBe(200);
    } finally {
      await slow.close();
    }
  });

  it('closes without waiting out the request timeout for a body that stopped coming', async () => {
    // The request timeout is far beyond the test's; only the drain time may be spent on it.
    const stuck = await startTestServer({ HTTP_REQUEST_TIMEOUT_MS: '600000', DRAIN_TIMEOUT_MS: '200' });
    const socket = connect(stuck.port, '127.0.0.1');
    const gone = new Promise((resolve) => socket.on('close', resolve));
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
    // A request on another connection answered after those bytes were sent: the server's loop
    // has taken them in, so the first request is in flight (headers read, body pending).
    expect((await httpClient(stuck.url).call('GET', '/healthz')).status).toBe(200);
    await stuck.close();
    await gone;
  });
});

describe('edge validation', () => {
  it('refuses wrong body types instead of coercing them', async () => {
    const res = await http.call('POST', '/api/v1/auth/signup', { username: 12345, password, displayName: 'n' });
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
    const a = await http.signup();
    expect((await http.call('PATCH', '/api/v1/me', { displayName: 42 }, a.accessToken)).status).toBe(400);
    // Query strings are text on the wire; numbers there are still parsed.
    const room = await http.createRoom(a.accessToken, 'q', []);
    expect((await http.call('GET', `/api/v1/rooms/${room.id}/messages?afterSeq=0&limit=5`, undefined, a.accessToken)).status).toBe(200);
  });

  it('accepts only same-origin attachment paths as avatars', async () => {
    const a = await http.signup();
    for (const avatarUrl of [
      '//evil.example/x.png',
      '/\\evil.example/x.png',
      'https://evil.example/x.png',
      '/api/v1/attachments/../x',
      'javascript:alert(1)',
    ]) {
      expect(await http.call('PATCH', '/api/v1/me', { avatarUrl }, a.accessToken), avatarUrl).toMatchObject({
        status: 400,
        body: { error: { code: 'invalid' } },
      });
    }
    expect((await http.call('PATCH', '/api/v1/me', { avatarUrl: '/api/v1/attachments/abc_123' }, a.accessToken)).status).toBe(200);
    expect((await http.call('PATCH', '/api/v1/me', { avatarUrl: null }, a.accessToken)).status).toBe(200);
  });

  it('refuses NUL in user text and seqs beyond 2^53 - 1', async () => {
    const a = await http.signup();
    const room = await http.createRoom(a.accessToken, 'nul', []);
    const sends = [
      ['POST', `/api/v1/rooms/${room.id}/messages`, { body: 'a\u0000b', clientMsgId: 'n1' }],
      ['PATCH', '/api/v1/me', { displayName: 'x\u0000' }],
      ['PATCH', '/api/v1/me', { statusMessage: '\u0000' }],
      ['PATCH', `/api/v1/rooms/${room.id}`, { name: 'r\u0000' }],
      ['POST', `/api/v1/rooms/${room.id}/notices`, { body: '\u0000' }],
    ] as const;
    for (const [method, url, body] of sends) {
      expect(await http.call(method, url, body, a.accessToken), url).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
    }
    expect((await http.call('GET', `/api/v1/rooms/${room.id}/messages?afterSeq=1e308`, undefined, a.accessToken)).status).toBe(400);
    expect(
      (await http.call('GET', `/api/v1/rooms/${room.id}/messages?afterSeq=${Number.MAX_SAFE_INTEGER}`, undefined, a.accessToken)).status,
    ).toBe(200);
  });

  it('answers a malformed percent-encoding in the one error shape', async () => {
    const res = await http.call('GET', '/api/v1/rooms/%E0%A4%A');
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
  });
});

describe('headers and operational endpoints', () => {
  it('sends security headers, no-store on API answers and a CSP on the docs', async () => {
    const a = await http.signup();
    const res = await fetch(`${server.url}/api/v1/me`, { headers: { authorization: `Bearer ${a.accessToken}` } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const docs = await fetch(`${server.url}/api/docs/`);
    expect(docs.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves /metrics only with the metrics token', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const ok = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${testMetricsToken}` } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('chatchat_');
    const none = await startTestServer({ METRICS_TOKEN: '' });
    try {
      expect((await fetch(`${none.url}/metrics`)).status).toBe(404);
    } finally {
      await none.close();
    }
  });

  it('says only "not ready" publicly', async () => {
    const s = await startTestServer();
    await s.store.close();
    try {
      const res = await httpClient(s.url).call('GET', '/readyz');
      expect(res).toEqual({ status: 503, body: { error: { code: 'unavailable', message: 'not ready' } } });
    } finally {
      await s.close().catch(() => {});
    }
  });
});

describe('files', () => {
  it('creates the data dir 0700 and the database 0600', async () => {
    const parent = mkdtempSync(path.join(os.tmpdir(), 'chatchat-perm-'));
    const dataDir = path.join(parent, 'data');
    const s = await startTestServer({ DATA_DIR: dataDir, JWT_SECRET: '' });
    try {
      await httpClient(s.url).signup();
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(dataDir, 'chatchat.db')).mode & 0o777).toBe(0o600);
      expect(statSync(path.join(dataDir, 'chatchat.db-wal')).mode & 0o777).toBe(0o600);
      expect(statSync(path.join(dataDir, 'jwt-secret')).mode & 0o777).toBe(0o600);
    } finally {
      await s.close();
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('refuses a JWT secret file under 32 bytes', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chatchat-secret-'));
    try {
      writeFileSync(path.join(dataDir, 'jwt-secret'), 'short', { mode: 0o600 });
      expect(() => loadConfig({ DATA_DIR: dataDir })).toThrow(ConfigError);
      expect(() => loadConfig({ DATA_DIR: dataDir })).toThrow(/under 32 bytes/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('room limits', () => {
  it('caps rooms per user and the rate of room creation and invitations', async () => {
    const limited = await startTestServer({ MAX_ROOMS_PER_USER: '3', ROOM_CREATES_PER_HOUR: '4', INVITES_PER_HOUR: '2' });
    try {
      const client = httpClient(limited.url);
      const [owner, victim, other] = await Promise.all([client.signup(), client.signup(), client.signup()]);
      // Invitations: two an hour for `owner`, the third is refused.
      const r1 = await client.createRoom(owner.accessToken, 'r1', [victim.user.id]);
      await client.createRoom(owner.accessToken, 'r2', [victim.user.id]);
      const third = await client.call('POST', '/api/v1/rooms', { name: 'r3', memberIds: [victim.user.id] }, owner.accessToken);
      expect(third).toMatchObject({ status: 429, body: { error: { code: 'rate_limited' } } });
      // Rooms per user: `other` fills the victim's last slot, then nobody can add more.
      await client.createRoom(other.accessToken, 'o1', [victim.user.id]);
      const full = await client.call('POST', '/api/v1/rooms', { name: 'o2', memberIds: [victim.user.id] }, other.accessToken);
      expect(full).toMatchObject({ status: 403, body: { error: { code: 'limit_exceeded' } } });
      const direct = await client.call('POST', '/api/v1/rooms/direct', { userId: victim.user.id }, other.accessToken);
      expect(direct).toMatchObject({ status: 403, body: { error: { code: 'limit_exceeded' } } });
      // The cap holds for the creator too: owner is in r1, r2 and e1.
      await client.createRoom(owner.accessToken, 'e1', []);
      const e2 = await client.call('POST', '/api/v1/rooms', { name: 'e2', memberIds: [] }, owner.accessToken);
      expect(e2).toMatchObject({ status: 403, body: { error: { code: 'limit_exceeded' } } });
      // The victim can still leave a room and so make space.
      expect((await client.call('DELETE', `/api/v1/rooms/${r1.id}/members/me`, undefined, victim.accessToken)).status).toBe(204);
      expect((await client.call('GET', '/api/v1/rooms', undefined, victim.accessToken)).body.rooms).toHaveLength(2);
    } finally {
      await limited.close();
    }
  });
});
