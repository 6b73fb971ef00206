import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@chatchat/protocol';
import { httpClient, startTestServer, type TestServer } from '@chatchat/server/testing';

/**
 * Seeded property-based requests against every HTTP route, read from the OpenAPI document
 * the app builds from its registered routes: bodies, query strings and path parameters
 * shaped like the schema (the declared names with hostile values) or not at all. Every
 * answer must be below 500 and every error `{error:{code,message}}` with a catalogue code.
 */
const seed = 20261201;
const runsPerRoute = 40;
const password = 'correct horse battery';

let server: TestServer;
let http: ReturnType<typeof httpClient>;
let roomId: string;
let bystanderToken: string;

interface Operation {
  method: string;
  path: string;
  query: string[];
  bodyKeys: string[] | null;
}

const hostileString = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '\u0000',
    '../../etc/passwd',
    '%',
    '%E0%A4%A',
    '//evil.example/x.png',
    '/\\evil',
    'a'.repeat(5000),
    '',
    ' ',
    '__proto__',
    'constructor',
  ),
);
const hostileValue = fc.oneof(
  hostileString,
  fc.integer(),
  fc.constantFrom(1e308, -1, Number.MAX_SAFE_INTEGER + 2, 0.5, NaN),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 5 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
);

function bodyArbitrary(keys: string[] | null) {
  const raw = fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string({ maxLength: 50 }),
    fc.constant('{"a":'),
    fc.constant(''),
  );
  if (!keys) return fc.option(raw, { nil: undefined });
  const shaped = fc.record(Object.fromEntries(keys.map((k) => [k, hostileValue])), { requiredKeys: [] }).map((v) => JSON.stringify(v));
  return fc.oneof({ weight: 3, arbitrary: shaped }, { weight: 1, arbitrary: raw }, { weight: 1, arbitrary: fc.constant(undefined) });
}

function paramArbitrary() {
  return fc.oneof(
    fc.constant(() => roomId),
    hostileString.map((s) => () => encodeURIComponent(s) || 'x'),
    fc.constantFrom(
      () => '%E0%A4%A',
      () => '%00',
    ),
  );
}

async function check(res: Response) {
  expect(res.status, `${res.status}`).toBeLessThan(500);
  if (res.status >= 400) {
    const body = await res.json();
    expect(Object.keys(body)).toEqual(['error']);
    expect(Object.keys(ErrorCodes)).toContain(body.error.code);
    expect(typeof body.error.message).toBe('string');
  } else await res.arrayBuffer();
}

beforeAll(async () => {
  server = await startTestServer();
  http = httpClient(server.url);
  const owner = await http.signup();
  roomId = (await http.createRoom(owner.accessToken, 'fuzz', [])).id;
  bystanderToken = (await http.signup()).accessToken;
});
afterAll(() => server.close());

describe('HTTP fuzz', () => {
  it('answers every route with a catalogued error or success, never 5xx, and keeps serving others', async () => {
    const doc = (await http.call('GET', '/api/openapi.json')).body;
    const operations: Operation[] = [];
    for (const [path, methods] of Object.entries<Record<string, any>>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(methods)) {
        const schema = op.requestBody?.content?.['application/json']?.schema;
        operations.push({
          method: method.toUpperCase(),
          path,
          query: (op.parameters ?? []).filter((p: any) => p.in === 'query').map((p: any) => p.name),
          bodyKeys: schema?.properties ? Object.keys(schema.properties) : null,
        });
      }
    }
    // Every registered /api/v1 route is in the document, so none escapes the fuzz.
    expect(operations.length).toBe(server.routes.filter((r) => r.includes(' /api/v1/')).length);
    // Logins fuzzed last: their failures lock this address out of logging in.
    operations.sort((a, b) => Number(a.path.includes('/auth/')) - Number(b.path.includes('/auth/')));

    for (const op of operations) {
      const user = await http.signup();
      const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      await fc.assert(
        fc.asyncProperty(
          fc.tuple(...params.map(() => paramArbitrary())),
          fc.dictionary(fc.constantFrom(...(op.query.length ? op.query : ['x'])), hostileString, { maxKeys: 3 }),
          op.method === 'GET' || op.method === 'HEAD' ? fc.constant(undefined) : bodyArbitrary(op.bodyKeys),
          fc.boolean(),
          async (paramValues, query, body, withToken) => {
            let url = op.path;
            params.forEach((name, i) => (url = url.replace(`{${name}}`, paramValues[i]!())));
            const qs = new URLSearchParams(query).toString();
            const res = await fetch(`${server.url}${url}${qs ? `?${qs}` : ''}`, {
              method: op.method,
              headers: {
                ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
                ...(withToken ? { authorization: `Bearer ${user.accessToken}` } : {}),
              },
              body,
            });
            await check(res);
          },
        ),
        { seed, numRuns: runsPerRoute },
      );
    }
    // Others were served all along, and still are.
    expect((await http.call('GET', '/api/v1/me', undefined, bystanderToken)).status).toBe(200);
    expect(
      (await http.call('POST', '/api/v1/auth/signup', { username: `after${Date.now().toString(36)}`, password, displayName: 'a' })).status,
    ).toBe(201);
  }, 300_000);
});
