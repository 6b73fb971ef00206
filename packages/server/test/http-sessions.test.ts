import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCodes } from '@chatchat/protocol';
import { httpClient, RawClient, startTestServer, type TestServer } from '@chatchat/server/testing';
import { createManualClock } from '../src/ports/clock.js';

const password = 'correct horse battery';
const clock = createManualClock();
let server: TestServer;
let http: ReturnType<typeof httpClient>;

beforeAll(async () => {
  server = await startTestServer({ SESSION_TTL_SEC: '3600', REFRESH_TOKEN_TTL_SEC: '1800', ACCESS_TOKEN_TTL_SEC: '600' }, { clock });
  http = httpClient(server.url);
});
afterAll(() => server.close());

const login = async (username: string, extra: object = {}) => {
  const res = await http.call('POST', '/api/v1/auth/login', { username, password, ...extra });
  expect(res.status).toBe(200);
  return res.body;
};
const me = (token: string) => http.call('GET', '/api/v1/me', undefined, token);

describe('sessions end', () => {
  it('logout with only the access token ends the session: HTTP, a new hello and the open socket', async () => {
    const a = await http.signup();
    const { client: socket } = await RawClient.hello(server.wsUrl, a.accessToken);
    const other = await login(a.user.username);
    const { client: otherSocket } = await RawClient.hello(server.wsUrl, other.accessToken);

    expect((await http.call('POST', '/api/v1/auth/logout', undefined, a.accessToken)).status).toBe(204);
    expect(await socket.waitForClose()).toBe(CloseCodes.SessionEnded.code);
    expect(await me(a.accessToken)).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    expect((await http.call('POST', '/api/v1/auth/refresh', { refreshToken: a.refreshToken })).status).toBe(401);
    const again = await RawClient.connect(server.wsUrl);
    expect((await again.call('hello', { token: a.accessToken })).ok).toBe(false);
    expect(await again.waitForClose()).toBe(CloseCodes.Unauthorized.code);
    // The user's other session is untouched: its socket still answers, after the close above.
    expect((await otherSocket.call('ping', {})).ok).toBe(true);
    expect((await me(other.accessToken)).status).toBe(200);
  });

  it('logout-all ends every session of the user, the calling one included', async () => {
    const a = await http.signup();
    const b = await login(a.user.username);
    const bystander = await http.signup();
    const { client: socketB } = await RawClient.hello(server.wsUrl, b.accessToken);
    const { client: bystanderSocket } = await RawClient.hello(server.wsUrl, bystander.accessToken);
    expect((await http.call('POST', '/api/v1/auth/logout-all', undefined, a.accessToken)).status).toBe(204);
    expect(await socketB.waitForClose()).toBe(CloseCodes.SessionEnded.code);
    for (const token of [a.accessToken, b.accessToken]) expect((await me(token)).status).toBe(401);
    for (const refreshToken of [a.refreshToken, b.refreshToken]) {
      expect((await http.call('POST', '/api/v1/auth/refresh', { refreshToken })).status).toBe(401);
    }
    expect((await bystanderSocket.call('ping', {})).ok).toBe(true);
  });

  it('a password change keeps this session, ends the others, and the old password stops working', async () => {
    const a = await http.signup();
    const b = await login(a.user.username);
    const { client: socketB } = await RawClient.hello(server.wsUrl, b.accessToken);
    const wrong = await http.call(
      'POST',
      '/api/v1/auth/password',
      { currentPassword: 'not it at all', newPassword: 'a new long password' },
      a.accessToken,
    );
    expect(wrong).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    const changed = await http.call(
      'POST',
      '/api/v1/auth/password',
      { currentPassword: password, newPassword: 'a new long password' },
      a.accessToken,
    );
    expect(changed.status).toBe(204);
    expect(await socketB.waitForClose()).toBe(CloseCodes.SessionEnded.code);
    expect((await me(b.accessToken)).status).toBe(401);
    expect((await me(a.accessToken)).status).toBe(200);
    expect((await http.call('POST', '/api/v1/auth/login', { username: a.user.username, password })).status).toBe(401);
    expect((await http.call('POST', '/api/v1/auth/login', { username: a.user.username, password: 'a new long password' })).status).toBe(
      200,
    );
  });

  it('refresh never extends a session past its absolute lifetime', async () => {
    const a = await http.signup();
    let refreshToken = a.refreshToken!;
    // 3 × 25 min of refreshes inside a one-hour session: the last one is past the hour.
    for (let i = 0; i < 2; i++) {
      clock.advance(25 * 60_000);
      const res = await http.call('POST', '/api/v1/auth/refresh', { refreshToken });
      expect(res.status).toBe(200);
      refreshToken = res.body.refreshToken;
    }
    clock.advance(25 * 60_000);
    expect(await http.call('POST', '/api/v1/auth/refresh', { refreshToken })).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthorized' } },
    });
  });

  it('sweeps expired sessions and refresh tokens', async () => {
    const a = await http.signup();
    clock.advance(2 * 3600_000);
    const swept = await server.services.auth.sweepExpired();
    expect(swept.sessions).toBeGreaterThanOrEqual(1);
    expect(swept.refreshTokens).toBeGreaterThanOrEqual(1);
    expect((await http.call('POST', '/api/v1/auth/refresh', { refreshToken: a.refreshToken })).status).toBe(401);
  });
});

describe('cookie transport', () => {
  const cookieOf = (res: Response) => res.headers.get('set-cookie') ?? '';
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(server.url + path, {
      method: 'POST',
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('keeps the refresh token in an HttpOnly cookie, rotates it on refresh and clears it on logout', async () => {
    const name = `cookie${Date.now().toString(36)}`;
    const signup = await post(
      '/api/v1/auth/signup',
      { username: name, password, displayName: name, transport: 'cookie' },
      { 'x-forwarded-proto': 'https' },
    );
    expect(signup.status).toBe(201);
    const body = await signup.json();
    expect(body.refreshToken).toBeUndefined();
    expect(body.accessToken).toEqual(expect.any(String));
    const cookie = cookieOf(signup);
    expect(cookie).toMatch(/^chatchat_refresh=[^;]+; HttpOnly; SameSite=Strict; Path=\/api\/v1\/auth; Max-Age=\d+; Secure$/);
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)![1]);
    expect(maxAge).toBeGreaterThan(1700);
    expect(maxAge).toBeLessThanOrEqual(1800);
    const jar = cookie.split(';')[0]!;

    const refreshed = await post('/api/v1/auth/refresh', {}, { cookie: jar });
    expect(refreshed.status).toBe(200);
    expect(Object.keys(await refreshed.json())).toEqual(['accessToken']);
    const rotated = cookieOf(refreshed).split(';')[0]!;
    expect(rotated).not.toBe(jar);
    expect(cookieOf(refreshed)).not.toContain('Secure');
    // No body at all works too; the used cookie is refused (and revokes the session).
    expect((await post('/api/v1/auth/refresh', undefined, { cookie: rotated })).status).toBe(200);
    expect((await post('/api/v1/auth/refresh', undefined, { cookie: jar })).status).toBe(401);
  });

  it('logout reads the cookie and clears it', async () => {
    const name = `cookie2${Date.now().toString(36)}`;
    const login0 = await post('/api/v1/auth/signup', { username: name, password, displayName: name, transport: 'cookie' });
    const jar = cookieOf(login0).split(';')[0]!;
    const out = await post('/api/v1/auth/logout', undefined, { cookie: jar });
    expect(out.status).toBe(204);
    expect(cookieOf(out)).toContain('Max-Age=0');
    expect((await post('/api/v1/auth/refresh', undefined, { cookie: jar })).status).toBe(401);
  });
});
