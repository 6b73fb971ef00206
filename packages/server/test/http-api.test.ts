import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, httpClient } from '@chatchat/server/testing';
import { createManualClock } from '../src/ports/clock.js';

let server: TestServer;
let http: ReturnType<typeof httpClient>;

beforeAll(async () => {
  server = await startTestServer();
  http = httpClient(server.url);
});
afterAll(() => server.close());

describe('health', () => {
  it('answers /healthz and /readyz', async () => {
    expect((await http.call('GET', '/healthz')).status).toBe(200);
    expect((await http.call('GET', '/readyz')).body).toEqual({ status: 'ready' });
  });

  it('serves the OpenAPI document and its UI', async () => {
    const doc = await http.call('GET', '/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/signup',
        '/api/v1/auth/login',
        '/api/v1/auth/refresh',
        '/api/v1/me',
        '/api/v1/rooms',
        '/api/v1/rooms/direct',
        '/api/v1/rooms/{roomId}/members',
        '/api/v1/rooms/{roomId}/members/me',
        '/api/v1/rooms/{roomId}/messages',
      ]),
    );
    // Declared once by the authenticated scope, for every route inside it and none outside.
    expect(doc.body.paths['/api/v1/me'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.body.paths['/api/v1/rooms/{roomId}/messages'].post.responses['401']).toBeDefined();
    expect(doc.body.paths['/api/v1/auth/login'].post.security).toBeUndefined();
    const ui = await fetch(`${server.url}/api/docs/`);
    expect(ui.status).toBe(200);
  });
});

describe('auth', () => {
  it('signs up, logs in, reads me, and rotates refresh tokens once each', async () => {
    const signup = await http.call('POST', '/api/v1/auth/signup', {
      username: 'Alice',
      password: 'correct horse battery',
      displayName: 'Alice A',
    });
    expect(signup.status).toBe(201);
    expect(signup.body.user).toMatchObject({ username: 'Alice', displayName: 'Alice A', avatarUrl: null });
    expect(signup.body.user.passwordHash).toBeUndefined();

    const login = await http.call('POST', '/api/v1/auth/login', { username: 'alice', password: 'correct horse battery' });
    expect(login.status).toBe(200);
    const me = await http.call('GET', '/api/v1/me', undefined, login.body.accessToken);
    expect(me.body.user.id).toBe(signup.body.user.id);

    const rotated = await http.call('POST', '/api/v1/auth/refresh', { refreshToken: login.body.refreshToken });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refreshToken).not.toBe(login.body.refreshToken);
    // Replaying a used token is theft: it fails and revokes the whole session.
    const replay = await http.call('POST', '/api/v1/auth/refresh', { refreshToken: login.body.refreshToken });
    expect(replay).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    const afterRevoke = await http.call('POST', '/api/v1/auth/refresh', { refreshToken: rotated.body.refreshToken });
    expect(afterRevoke.status).toBe(401);
  });

  it('rejects a duplicated username, case-insensitively', async () => {
    await http.signup('bob_dup');
    const again = await http.call('POST', '/api/v1/auth/signup', {
      username: 'BOB_dup',
      password: 'correct horse battery',
      displayName: 'b',
    });
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
  });

  it('gives the same answer for a wrong password and an unknown user', async () => {
    await http.signup('carol_pw');
    const wrong = await http.call('POST', '/api/v1/auth/login', { username: 'carol_pw', password: 'wrong password!' });
    const unknown = await http.call('POST', '/api/v1/auth/login', { username: 'nobody_here', password: 'wrong password!' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
  });

  it('rejects missing, malformed and bad-token requests with clear errors', async () => {
    const missing = await http.call('POST', '/api/v1/auth/signup', { username: 'dave' });
    expect(missing).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
    expect(missing.body.error.message).toMatch(/password|displayName/);
    const shortPw = await http.call('POST', '/api/v1/auth/signup', { username: 'dave', password: 'x', displayName: 'd' });
    expect(shortPw.status).toBe(400);
    const badName = await http.call('POST', '/api/v1/auth/signup', {
      username: 'no spaces!',
      password: 'correct horse battery',
      displayName: 'd',
    });
    expect(badName.status).toBe(400);
    const notJson = await http.call('POST', '/api/v1/auth/login', '{not json');
    expect(notJson).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
    expect((await http.call('GET', '/api/v1/me')).body.error.code).toBe('unauthorized');
    expect((await http.call('GET', '/api/v1/me', undefined, 'garbage')).status).toBe(401);
    const unknownRoute = await http.call('GET', '/api/v1/nothing');
    expect(unknownRoute).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });

  it('rejects an expired access token', async () => {
    // The token's iat/exp and the check both read the injected clock: time moves, nothing waits.
    const clock = createManualClock();
    const short = await startTestServer({ ACCESS_TOKEN_TTL_SEC: '60' }, { clock });
    try {
      const client = httpClient(short.url);
      const { accessToken } = await client.signup('erin_exp');
      clock.advance(59_000);
      expect((await client.call('GET', '/api/v1/me', undefined, accessToken)).status).toBe(200);
      clock.advance(2_000);
      const res = await client.call('GET', '/api/v1/me', undefined, accessToken);
      expect(res).toMatchObject({ status: 401, body: { error: { code: 'unauthorized', message: 'token expired' } } });
    } finally {
      await short.close();
    }
  });
});

describe('rooms and history', () => {
  it('creates group rooms, lists them, invites, leaves', async () => {
    const a = await http.signup();
    const b = await http.signup();
    const c = await http.signup();
    const room = await http.createRoom(a.accessToken, 'Team', [b.user.id]);
    expect(room).toMatchObject({ kind: 'group', name: 'Team', lastSeq: 0, memberCount: 2, role: 'owner', unreadCount: 0 });

    const listB = await http.call('GET', '/api/v1/rooms', undefined, b.accessToken);
    expect(listB.body.rooms.map((r: { id: string }) => r.id)).toContain(room.id);
    expect(listB.body.totalUnread).toBe(0);

    const invite = await http.call('POST', `/api/v1/rooms/${room.id}/members`, { userIds: [c.user.id] }, b.accessToken);
    expect(invite.status).toBe(200);
    expect(invite.body.members).toHaveLength(1);

    expect((await http.call('DELETE', `/api/v1/rooms/${room.id}/members/me`, undefined, c.accessToken)).status).toBe(204);
    const listC = await http.call('GET', '/api/v1/rooms', undefined, c.accessToken);
    expect(listC.body.rooms).toHaveLength(0);
  });

  it('gives the same direct room every time, from either side', async () => {
    const a = await http.signup();
    const b = await http.signup();
    const first = await http.call('POST', '/api/v1/rooms/direct', { userId: b.user.id }, a.accessToken);
    const second = await http.call('POST', '/api/v1/rooms/direct', { userId: b.user.id }, a.accessToken);
    const fromB = await http.call('POST', '/api/v1/rooms/direct', { userId: a.user.id }, b.accessToken);
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body.room.id).toBe(first.body.room.id);
    expect(fromB.body.room.id).toBe(first.body.room.id);
    expect(first.body.room).toMatchObject({ kind: 'direct', name: b.user.displayName, peerId: b.user.id });
    expect(fromB.body.room.name).toBe(a.user.displayName);
  });

  it('pages history by seq in ascending order', async () => {
    const a = await http.signup();
    const room = await http.createRoom(a.accessToken, 'History', []);
    for (let i = 1; i <= 25; i++) {
      const res = await http.call('POST', `/api/v1/rooms/${room.id}/messages`, { body: `m${i}`, clientMsgId: `c${i}` }, a.accessToken);
      expect(res.body.message.seq).toBe(i);
    }
    const last = await http.call('GET', `/api/v1/rooms/${room.id}/messages?limit=10`, undefined, a.accessToken);
    expect(last.body.messages.map((m: { seq: number }) => m.seq)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
    const before = await http.call('GET', `/api/v1/rooms/${room.id}/messages?beforeSeq=16&limit=10`, undefined, a.accessToken);
    expect(before.body.messages.map((m: { seq: number }) => m.seq)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const after = await http.call('GET', `/api/v1/rooms/${room.id}/messages?afterSeq=20`, undefined, a.accessToken);
    expect(after.body.messages.map((m: { seq: number }) => m.seq)).toEqual([21, 22, 23, 24, 25]);
    expect(after.body.messages[0]).toMatchObject({ roomId: room.id, senderId: a.user.id, body: 'm21', kind: 'text' });
    const bad = await http.call('GET', `/api/v1/rooms/${room.id}/messages?limit=abc`, undefined, a.accessToken);
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
  });

  it('hides rooms from non-members and rejects unknown users', async () => {
    const a = await http.signup();
    const outsider = await http.signup();
    const room = await http.createRoom(a.accessToken, 'Private', []);
    const peek = await http.call('GET', `/api/v1/rooms/${room.id}/messages`, undefined, outsider.accessToken);
    expect(peek).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const ghost = await http.call('POST', '/api/v1/rooms', { name: 'x', memberIds: ['no-such-user'] }, a.accessToken);
    expect(ghost).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    const noName = await http.call('POST', '/api/v1/rooms', { memberIds: [] }, a.accessToken);
    expect(noName.status).toBe(400);
  });
});
