import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { opNames, type OpName } from '@chatchat/protocol';
import { httpClient, RawClient, startTestServer, type TestServer } from '@chatchat/server/testing';

/**
 * Every HTTP route and every WS op × every kind of caller, each cell stating the answer.
 * The tables' keys are compared with the routes the app registered and with `opNames`:
 * a route or op added without a row fails here.
 */
const actors = ['anonymous', 'outsider', 'former', 'member', 'admin', 'owner', 'platformAdmin'] as const;
type Actor = (typeof actors)[number];
type Row<T> = Record<Actor, T>;

const password = 'correct horse battery';
let server: TestServer;
let http: ReturnType<typeof httpClient>;
const users = {} as Record<Exclude<Actor, 'anonymous'> | 'target' | 'member2', { id: string; username: string; accessToken: string }>;

interface Fixture {
  roomId: string;
  messageId: string;
  noticeId: string;
  /** A pending upload of the owner's, for this room. */
  uploadId: string;
}

/** Read-only rows share one attached file (owner's, in a room like `fixture()`'s). */
let shared: Fixture & { attachmentId: string };

/** A fresh room per cell: owner, admin, member, member2, and a former member who left. */
async function fixture(): Promise<Fixture> {
  const owner = users.owner.accessToken;
  const room = await http.createRoom(owner, 'matrix', [users.admin.id, users.member.id, users.member2.id, users.former.id]);
  await http.call('PATCH', `/api/v1/rooms/${room.id}/members/${users.admin.id}`, { role: 'admin' }, owner);
  await http.call('DELETE', `/api/v1/rooms/${room.id}/members/me`, undefined, users.former.accessToken);
  const message = await http.call('POST', `/api/v1/rooms/${room.id}/messages`, { body: 'hi', clientMsgId: `m${Math.random()}` }, owner);
  const notice = await http.call('POST', `/api/v1/rooms/${room.id}/notices`, { body: 'notice' }, owner);
  const upload = await http.call(
    'POST',
    '/api/v1/uploads',
    { purpose: 'message', roomId: room.id, name: 'a.txt', contentType: 'text/plain', size: 5 },
    owner,
  );
  return { roomId: room.id, messageId: message.body.message.id, noticeId: notice.body.notice.id, uploadId: upload.body.upload.id };
}

async function attachedFile(f: Fixture): Promise<string> {
  const owner = users.owner.accessToken;
  const headers = { authorization: `Bearer ${owner}`, 'content-type': 'text/plain' };
  expect((await fetch(`${server.url}/api/v1/uploads/${f.uploadId}/content`, { method: 'PUT', headers, body: 'hello' })).status).toBe(200);
  expect((await http.call('POST', `/api/v1/uploads/${f.uploadId}/complete`, undefined, owner)).status).toBe(200);
  const { client } = await RawClient.hello(server.wsUrl, owner);
  await client.request('message.send', { roomId: f.roomId, body: 'file', clientMsgId: unique(), attachments: [f.uploadId] });
  client.socket.close();
  return f.uploadId;
}

let counter = 0;
const unique = () => `mx${Date.now().toString(36)}${counter++}`;

interface HttpCase {
  /** Needs a session of its own: the call ends or changes it. */
  ownSession?: boolean;
  request: (f: Fixture) => { path: string; body?: unknown };
  expect: Row<number>;
}

const everyone = (anonymous: number, others: number): Row<number> => ({
  anonymous,
  outsider: others,
  former: others,
  member: others,
  admin: others,
  owner: others,
  platformAdmin: others,
});
const inRoom = (member: number, admin = member, owner = admin): Row<number> => ({
  anonymous: 401,
  outsider: 404,
  former: 404,
  member,
  admin,
  owner,
  platformAdmin: 404,
});
const onlyOwner = (owner: number): Row<number> => ({
  anonymous: 401,
  outsider: 404,
  former: 404,
  member: 404,
  admin: 404,
  owner,
  platformAdmin: 404,
});

const httpMatrix: Record<string, HttpCase> = {
  'POST /api/v1/auth/signup': {
    request: () => ({ path: '', body: { username: unique(), password, displayName: 'x' } }),
    expect: everyone(201, 201),
  },
  'POST /api/v1/auth/login': {
    request: () => ({ path: '', body: { username: users.target.username, password } }),
    expect: everyone(200, 200),
  },
  'POST /api/v1/auth/refresh': { ownSession: true, request: () => ({ path: '', body: {} }), expect: everyone(401, 200) },
  'POST /api/v1/auth/logout': { ownSession: true, request: () => ({ path: '' }), expect: everyone(401, 204) },
  'POST /api/v1/auth/logout-all': { ownSession: true, request: () => ({ path: '' }), expect: everyone(401, 204) },
  'POST /api/v1/auth/password': {
    ownSession: true,
    request: () => ({ path: '', body: { currentPassword: password, newPassword: password } }),
    expect: everyone(401, 204),
  },
  'GET /api/v1/me': { request: () => ({ path: '' }), expect: everyone(401, 200) },
  'PATCH /api/v1/me': { request: () => ({ path: '', body: { statusMessage: 'here' } }), expect: everyone(401, 200) },
  'GET /api/v1/users/:userId': { request: () => ({ path: `/api/v1/users/${users.target.id}` }), expect: everyone(401, 200) },
  'POST /api/v1/rooms': { request: () => ({ path: '', body: { name: 'r', memberIds: [] } }), expect: everyone(401, 201) },
  'POST /api/v1/rooms/direct': { request: () => ({ path: '', body: { userId: users.target.id } }), expect: everyone(401, 201) },
  'GET /api/v1/rooms': { request: () => ({ path: '' }), expect: everyone(401, 200) },
  'GET /api/v1/rooms/:roomId': { request: (f) => ({ path: `/api/v1/rooms/${f.roomId}` }), expect: inRoom(200) },
  'PATCH /api/v1/rooms/:roomId': {
    request: (f) => ({ path: `/api/v1/rooms/${f.roomId}`, body: { name: 'renamed' } }),
    expect: inRoom(403, 200),
  },
  'GET /api/v1/rooms/:roomId/members': { request: (f) => ({ path: `/api/v1/rooms/${f.roomId}/members` }), expect: inRoom(200) },
  'POST /api/v1/rooms/:roomId/members': {
    request: (f) => ({ path: `/api/v1/rooms/${f.roomId}/members`, body: { userIds: [users.target.id] } }),
    expect: inRoom(200),
  },
  'DELETE /api/v1/rooms/:roomId/members/me': { request: (f) => ({ path: `/api/v1/rooms/${f.roomId}/members/me` }), expect: inRoom(204) },
  'DELETE /api/v1/rooms/:roomId/members/:userId': {
    request: (f) => ({ path: `/api/v1/rooms/${f.roomId}/members/${users.member2.id}` }),
    expect: inRoom(403, 204),
  },
  'PATCH /api/v1/rooms/:roomId/members/:userId': {
    request: (f) => ({ path: `/api/v1/rooms/${f.roomId}/members/${users.member2.id}`, body: { role: 'admin' } }),
    expect: inRoom(403, 403, 200),
  },
  'GET /api/v1/rooms/:roomId/messages': { request: (f) => ({ path: `/api/v1/rooms/${f.roomId}/messages` }), expect: inRoom(200) },
  'POST /api/v1/rooms/:roomId/messages': {
    request: (f) => ({ path: `/api/v1/rooms/${f.roomId}/messages`, body: { body: 'x', clientMsgId: unique() } }),
    expect: inRoom(201),
  },
  'POST /api/v1/rooms/:roomId/notices': {
    request: (f) => ({ path: `/api/v1/rooms/${f.roomId}/notices`, body: { body: 'n' } }),
    expect: inRoom(403, 201),
  },
  'DELETE /api/v1/rooms/:roomId/notices/:noticeId': {
    request: (f) => ({ path: `/api/v1/rooms/${f.roomId}/notices/${f.noticeId}` }),
    expect: inRoom(403, 204),
  },
  'POST /api/v1/announcements': {
    request: () => ({ path: '', body: { body: 'hello all' } }),
    expect: { ...everyone(401, 403), platformAdmin: 201 },
  },
  'GET /api/v1/announcements': { request: () => ({ path: '' }), expect: everyone(401, 200) },
  'GET /api/v1/users': { request: () => ({ path: `/api/v1/users?query=${users.target.username}` }), expect: everyone(401, 200) },
  'GET /api/v1/search/messages': { request: () => ({ path: '/api/v1/search/messages?query=hi' }), expect: everyone(401, 200) },
  'GET /api/v1/messages/:messageId/reactions': {
    request: (f) => ({ path: `/api/v1/messages/${f.messageId}/reactions` }),
    expect: inRoom(200),
  },
  'PUT /api/v1/rooms/:roomId/settings': {
    request: (f) => ({ path: `/api/v1/rooms/${f.roomId}/settings`, body: { notify: 'mentions' } }),
    expect: inRoom(200),
  },
  'POST /api/v1/uploads': {
    request: (f) => ({ path: '', body: { purpose: 'message', roomId: f.roomId, name: 'b.txt', contentType: 'text/plain', size: 3 } }),
    expect: inRoom(201),
  },
  'GET /api/v1/uploads/usage': { request: () => ({ path: '' }), expect: everyone(401, 200) },
  // An upload is its uploader's alone: to anyone else it does not exist.
  'GET /api/v1/uploads/:uploadId': { request: (f) => ({ path: `/api/v1/uploads/${f.uploadId}` }), expect: onlyOwner(200) },
  'PUT /api/v1/uploads/:uploadId/content': {
    request: (f) => ({ path: `/api/v1/uploads/${f.uploadId}/content`, body: 'hello' }),
    expect: onlyOwner(200),
  },
  'POST /api/v1/uploads/:uploadId/complete': {
    request: (f) => ({ path: `/api/v1/uploads/${f.uploadId}/complete` }),
    expect: { ...onlyOwner(409) },
  },
  'GET /api/v1/attachments/:attachmentId': { request: () => ({ path: `/api/v1/attachments/${shared.attachmentId}` }), expect: inRoom(200) },
  'GET /api/v1/attachments/:attachmentId/link': {
    request: () => ({ path: `/api/v1/attachments/${shared.attachmentId}/link` }),
    expect: inRoom(200),
  },
};

type WsOutcome = 'ok' | 'unauthorized' | 'not_found' | 'forbidden';
const wsEveryone = (others: WsOutcome): Row<WsOutcome> => ({
  anonymous: 'unauthorized',
  outsider: others,
  former: others,
  member: others,
  admin: others,
  owner: others,
  platformAdmin: others,
});
const wsInRoom = (member: WsOutcome, admin = member, owner: WsOutcome = 'ok'): Row<WsOutcome> => ({
  anonymous: 'unauthorized',
  outsider: 'not_found',
  former: 'not_found',
  member,
  admin,
  owner,
  platformAdmin: 'not_found',
});

const wsMatrix: Record<OpName, { data: (f: Fixture) => unknown; expect: Row<WsOutcome> }> = {
  hello: { data: () => ({}), expect: wsEveryone('ok') },
  'message.send': { data: (f) => ({ roomId: f.roomId, body: 'x', clientMsgId: unique() }), expect: wsInRoom('ok') },
  'message.edit': { data: (f) => ({ messageId: f.messageId, body: 'edited' }), expect: wsInRoom('forbidden', 'forbidden') },
  'message.delete': { data: (f) => ({ messageId: f.messageId }), expect: wsInRoom('forbidden', 'ok') },
  'message.list': { data: (f) => ({ roomId: f.roomId }), expect: wsInRoom('ok') },
  'room.read': { data: (f) => ({ roomId: f.roomId, seq: 1 }), expect: wsInRoom('ok') },
  'room.members': { data: (f) => ({ roomId: f.roomId }), expect: wsInRoom('ok') },
  typing: { data: (f) => ({ roomId: f.roomId }), expect: wsInRoom('ok') },
  'message.search': { data: (f) => ({ roomId: f.roomId, query: 'hi' }), expect: wsInRoom('ok') },
  'reaction.add': { data: (f) => ({ messageId: f.messageId, emoji: '👍' }), expect: wsInRoom('ok') },
  'reaction.remove': { data: (f) => ({ messageId: f.messageId, emoji: '👍' }), expect: wsInRoom('ok') },
  'reaction.list': { data: (f) => ({ messageId: f.messageId }), expect: wsInRoom('ok') },
  'reaction.counts': { data: (f) => ({ roomId: f.roomId, messageIds: [f.messageId] }), expect: wsInRoom('ok') },
  'pin.add': { data: (f) => ({ messageId: f.messageId }), expect: wsInRoom('forbidden', 'ok') },
  // Pinned first (by the owner, straight through the service), so there is a pin to remove.
  'pin.remove': {
    data: async (f) => {
      await server.services.pins.add(users.owner.id, f.messageId);
      return { messageId: f.messageId };
    },
    expect: wsInRoom('forbidden', 'ok'),
  },
  'room.settings': { data: (f) => ({ roomId: f.roomId, notify: 'mentions' }), expect: wsInRoom('ok') },
  ping: { data: () => ({}), expect: wsEveryone('ok') },
};

beforeAll(async () => {
  server = await startTestServer();
  http = httpClient(server.url);
  for (const name of ['outsider', 'former', 'member', 'admin', 'owner', 'platformAdmin', 'target', 'member2'] as const) {
    const res = await http.signup(unique());
    users[name] = { id: res.user.id, username: res.user.username, accessToken: res.accessToken };
  }
  await server.store.setPlatformAdmin(users.platformAdmin.id, true);
  const f = await fixture();
  shared = { ...f, attachmentId: await attachedFile(f) };
}, 120_000);
afterAll(() => server.close());

async function freshSession(actor: Exclude<Actor, 'anonymous'>) {
  const res = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: users[actor].username, password, transport: 'cookie' }),
  });
  expect(res.status).toBe(200);
  return { accessToken: (await res.json()).accessToken as string, cookie: res.headers.get('set-cookie')!.split(';')[0]! };
}

describe('authorisation matrix', () => {
  it('has a row for every registered HTTP route and every WS op', () => {
    const registered = server.routes.filter((r) => r.includes(' /api/v1/')).sort();
    expect(Object.keys(httpMatrix).sort()).toEqual(registered);
    expect(Object.keys(wsMatrix).sort()).toEqual([...opNames].sort());
  });

  // Calls that end sessions run last, each on a session of its own.
  const order = Object.entries(httpMatrix).sort(([, a], [, b]) => Number(Boolean(a.ownSession)) - Number(Boolean(b.ownSession)));
  for (const [route, row] of order) {
    it(`HTTP ${route}`, async () => {
      const [method, template] = route.split(' ') as [string, string];
      const got: Partial<Row<number>> = {};
      for (const actor of actors) {
        const f = await fixture();
        const { path, body } = row.request(f);
        const raw = typeof body === 'string';
        const headers: Record<string, string> = body !== undefined ? { 'content-type': raw ? 'text/plain' : 'application/json' } : {};
        if (actor !== 'anonymous') {
          const session = row.ownSession ? await freshSession(actor) : { accessToken: users[actor].accessToken, cookie: '' };
          headers.authorization = `Bearer ${session.accessToken}`;
          if (session.cookie) headers.cookie = session.cookie;
        }
        const res = await fetch(server.url + (path || template), {
          method,
          headers,
          body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
        });
        got[actor] = res.status;
        if (res.status >= 400) expect((await res.json()).error.code).toEqual(expect.any(String));
        // logout-all ends the actor's every session: the fixtures need a live one again.
        if (row.ownSession && actor !== 'anonymous') users[actor].accessToken = (await freshSession(actor)).accessToken;
      }
      expect(got).toEqual(row.expect);
    });
  }

  for (const [op, row] of Object.entries(wsMatrix)) {
    it(`WS ${op}`, async () => {
      const got: Partial<Row<WsOutcome>> = {};
      for (const actor of actors) {
        const f = await fixture();
        const client =
          actor === 'anonymous'
            ? await RawClient.connect(server.wsUrl)
            : (await RawClient.hello(server.wsUrl, users[actor].accessToken)).client;
        try {
          const data = op === 'hello' ? { token: actor === 'anonymous' ? 'not-a-token' : users[actor].accessToken } : await row.data(f);
          if (op === 'hello' && actor !== 'anonymous') {
            const again = await RawClient.connect(server.wsUrl);
            const reply = await again.call('hello', data);
            got[actor] = reply.ok ? 'ok' : (reply.error.code as WsOutcome);
            again.socket.close();
            continue;
          }
          const reply = await client.call(op, data);
          got[actor] = reply.ok ? 'ok' : (reply.error.code as WsOutcome);
        } finally {
          client.socket.close();
        }
      }
      expect(got).toEqual(row.expect);
    });
  }
});
