import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Limits } from '@chatchat/protocol';
import { createTestDatabase, httpClient, startTestServer, type TestServer } from '@chatchat/server/testing';

/** The edge rules that PostgreSQL would otherwise turn into 500s (int columns, NUL in text). */
let db: Awaited<ReturnType<typeof createTestDatabase>>;
let server: TestServer;
let http: ReturnType<typeof httpClient>;

beforeAll(async () => {
  db = await createTestDatabase();
  server = await startTestServer({ DATABASE_URL: db.url, MIGRATE_ON_START: 'true' });
  http = httpClient(server.url);
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
});

describe('edge validation on PostgreSQL', () => {
  it('answers huge seqs with 200 or 400, never 500', async () => {
    const a = await http.signup();
    const room = await http.createRoom(a.accessToken, 'pg', []);
    for (const seq of ['1e308', String(Number.MAX_SAFE_INTEGER), String(2 ** 31), String(2 ** 53), '-1']) {
      for (const param of ['afterSeq', 'beforeSeq']) {
        const res = await http.call(
          'GET',
          `/api/v1/rooms/${room.id}/messages?${param}=${seq}&limit=${Limits.maxHistoryPage}`,
          undefined,
          a.accessToken,
        );
        expect([200, 400], `${param}=${seq}: ${JSON.stringify(res.body)}`).toContain(res.status);
      }
    }
  });

  it('refuses NUL with invalid instead of a database error', async () => {
    const a = await http.signup();
    const room = await http.createRoom(a.accessToken, 'pg', []);
    const res = await http.call('POST', `/api/v1/rooms/${room.id}/messages`, { body: 'a\u0000b', clientMsgId: 'nul' }, a.accessToken);
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'invalid' } } });
  });
});
