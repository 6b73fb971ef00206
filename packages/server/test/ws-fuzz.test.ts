import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TSchema } from '@sinclair/typebox';
import { CloseCodes, ErrorCodes, Ops, opNames, type ServerFrame } from '@chatchat/protocol';
import { httpClient, RawClient, startTestServer, type TestServer } from '@chatchat/server/testing';

/**
 * Protocol fuzzing: seeded, property-based frames over every op's TypeBox schema and the
 * envelope, sent by hostile sockets (anonymous and authenticated) while honest clients keep
 * chatting. Properties: the server stays up, every frame gets exactly one well-formed reply
 * (`{re, ok, ...}` with a catalogue code) addressed as the protocol says, the honest clients
 * see all their messages in order, and the heap after a forced GC stays bounded.
 * Reproduce a failure with FUZZ_SEED=<seed printed below>.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const FRAMES = Number(process.env.FUZZ_FRAMES ?? 100_000);
/** Frames in flight per hostile socket before waiting for their replies. */
const WINDOW = 250;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapAfterGc = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

// ---- generators ----

const prototypeNames = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
];
const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\uD800',
    '\uDFFF\uD800',
    '🙂'.repeat(30),
    '\u202E',
    'null',
    '{}',
    '%00',
    ...prototypeNames,
  ),
  fc.string({ unit: 'binary-ascii', minLength: 60, maxLength: 70 }),
);
const hugeNumber = fc.constantFrom(1e308, -1e308, 2 ** 53, 2 ** 53 + 2, -1, -0, 0.5, 1e-300, 2 ** 31, 2 ** 63, Number.MAX_SAFE_INTEGER);
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: hostileString },
  { weight: 1, arbitrary: hugeNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
);
/** Arrays or objects nested far deeper than any schema. */
const deepNesting = fc
  .integer({ min: 50, max: 1500 })
  .chain((depth) => fc.constantFrom('[', '{"a":').map((open) => `${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}`));

/** Ids the fuzzer knows are real (its own room and messages), so valid-shaped requests reach the services. */
const knownIds: string[] = [];

function arbitraryFor(schema: TSchema, key = ''): fc.Arbitrary<unknown> {
  const s = schema as TSchema & Record<string, any>;
  if (s.anyOf) return fc.oneof(...(s.anyOf as TSchema[]).map((member) => arbitraryFor(member, key)));
  if (s.const !== undefined) return fc.constant(s.const);
  switch (s.type) {
    case 'object': {
      const props = (s.properties ?? {}) as Record<string, TSchema>;
      const required = new Set<string>(s.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [name, prop] of Object.entries(props)) record[name] = arbitraryFor(prop, name);
      const requiredKeys = Object.keys(props).filter((k) => required.has(k));
      return fc.record(record, { requiredKeys });
    }
    case 'string': {
      const plain = fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 200, 200) });
      return /Id$/.test(key) || key === 'roomId' ? fc.oneof(plain, fc.constantFrom(...(knownIds.length ? knownIds : ['none']))) : plain;
    }
    case 'integer':
      return fc.oneof(fc.integer({ min: s.minimum ?? -10, max: Math.min(s.maximum ?? 1000, 1000) }), fc.integer({ min: s.minimum ?? 0 }));
    case 'number':
      return fc.double({ noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(arbitraryFor(s.items as TSchema), { maxLength: 5 });
    case 'null':
      return fc.constant(null);
    default:
      return anyJson;
  }
}

/** A valid-shaped value with one thing wrong: a field of the wrong type, a prototype key, a field gone. */
function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.nat(), anyJson, fc.constantFrom(...prototypeNames), fc.nat(2)).map(([value, pick, junk, protoKey, how]) => {
    if (typeof value !== 'object' || value === null) return junk;
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    const keys = Object.keys(copy);
    if (how === 0 && keys.length) copy[keys[pick % keys.length]!] = junk;
    else if (how === 1) Object.defineProperty(copy, protoKey, { value: junk, enumerable: true });
    else if (keys.length) delete copy[keys[pick % keys.length]!];
    return copy;
  });
}

type Frame = { text: string; binary?: boolean };
const requestId = fc.string({ minLength: 1, maxLength: 64 });
const op = fc.constantFrom(...opNames);
const envelope = (id: fc.Arbitrary<unknown>, opArb: fc.Arbitrary<unknown>, data: fc.Arbitrary<unknown>) =>
  fc.tuple(id, opArb, data).map(([i, o, d]): Frame => ({ text: JSON.stringify({ id: i, op: o, data: d }) }));

function frameArbitrary(): fc.Arbitrary<Frame> {
  const perOp = opNames.map((name) => {
    const valid = arbitraryFor(Ops[name].data);
    return fc.oneof(
      { weight: 5, arbitrary: envelope(requestId, fc.constant(name), valid) },
      { weight: 3, arbitrary: envelope(requestId, fc.constant(name), mutated(valid)) },
    );
  });
  return fc.oneof(
    { weight: 60, arbitrary: fc.oneof(...perOp) },
    // Wrong types anywhere in the envelope.
    { weight: 12, arbitrary: envelope(fc.oneof(requestId, anyJson), fc.oneof(op, anyJson), anyJson) },
    { weight: 5, arbitrary: envelope(requestId, fc.oneof(hostileString, fc.constantFrom(...prototypeNames)), anyJson) },
    { weight: 4, arbitrary: envelope(fc.oneof(fc.string({ minLength: 65, maxLength: 90 }), fc.constant(''), hugeNumber), op, anyJson) },
    // Not an envelope at all.
    {
      weight: 6,
      arbitrary: fc
        .oneof(
          hostileString,
          fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
        )
        .map((text): Frame => ({ text })),
    },
    { weight: 4, arbitrary: deepNesting.map((text): Frame => ({ text })) },
    {
      weight: 4,
      arbitrary: fc
        .tuple(requestId, op, deepNesting)
        .map(([i, o, d]): Frame => ({ text: `{"id":${JSON.stringify(i)},"op":${JSON.stringify(o)},"data":${d}}` })),
    },
    {
      weight: 2,
      arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes): Frame => ({ text: Buffer.from(bytes).toString('latin1'), binary: true })),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(requestId, op, fc.string({ unit: 'binary', maxLength: 600 })).map(
        ([i, o, big]): Frame => ({
          text: JSON.stringify({ id: i, op: o, data: { roomId: big, body: big, token: big, clientMsgId: big } }),
        }),
      ),
    },
  );
}

/** The `re` the protocol promises for a frame (docs/protocol.md §2.1): the id if it is readable, else null. */
function expectedRe(frame: Frame): string | null {
  if (frame.binary) return null;
  let value: unknown;
  try {
    value = JSON.parse(frame.text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const id = (value as Record<string, unknown>).id;
  return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : null;
}

/** A frame that would really authenticate an anonymous socket (and close it, the token being junk). */
function isHelloAttempt(frame: Frame): boolean {
  if (frame.binary) return false;
  try {
    const v = JSON.parse(frame.text) as { op?: unknown; data?: { token?: unknown } };
    return v?.op === 'hello' && typeof v.data?.token === 'string';
  } catch {
    return false;
  }
}

function wellFormedReply(frame: ServerFrame): string | null {
  if ('ev' in frame) return typeof frame.ev === 'string' ? null : 'event without a name';
  if (!('re' in frame) || (frame.re !== null && typeof frame.re !== 'string')) return 'no re';
  if (frame.ok === true) return 'data' in frame ? null : 'ok reply without data';
  if (frame.ok !== false) return 'ok is not a boolean';
  const error = (frame as { error?: { code?: unknown; message?: unknown } }).error;
  if (!error || typeof error.code !== 'string' || !Object.hasOwn(ErrorCodes, error.code))
    return `error code not in the catalogue: ${JSON.stringify(error)}`;
  if (typeof error.message !== 'string') return 'error without message';
  if (error.code === 'internal' && error.message !== 'internal error') return 'internal error leaks detail';
  return null;
}

// ---- the hostile sockets ----

interface HostileSocket {
  client: RawClient;
  /** Resolves once nothing is owed any more or the socket closed. */
  settled(): Promise<void>;
  /** re → replies still owed. */
  owed: Map<string | null, number>;
  outstanding: number;
  seenFrames: number;
}

describe('protocol fuzz', () => {
  let server: TestServer;
  let api: ReturnType<typeof httpClient>;
  const clients: RawClient[] = [];

  beforeAll(async () => {
    // In-flight requests are capped per socket; the fuzzer pipelines a window, so allow it.
    server = await startTestServer({ MAX_IN_FLIGHT_PER_SOCKET: String(WINDOW * 2), AUTH_TIMEOUT_MS: '600000' });
    api = httpClient(server.url);
  });
  afterAll(async () => {
    for (const c of clients) c.socket.terminate();
    await server?.close();
  });

  it(`answers ${FRAMES} generated frames (seed ${SEED}) well-formed, one each, while honest clients are unaffected, in bounded memory`, async () => {
    console.info(`[ws-fuzz] seed ${SEED}, ${FRAMES} frames (FUZZ_SEED / FUZZ_FRAMES to change)`);
    const fuzzer = await api.signup();
    const honestA = await api.signup();
    const honestB = await api.signup();
    const fuzzRoom = await api.createRoom(fuzzer.accessToken, 'Fuzz', []);
    const honestRoom = await api.createRoom(honestA.accessToken, 'Honest', [honestB.user.id]);
    const connect = async (token?: string) => {
      const client = await RawClient.connect(server.wsUrl);
      clients.push(client);
      if (token) await client.request('hello', { token });
      return client;
    };
    const a = await connect(honestA.accessToken);
    const b = await connect(honestB.accessToken);
    const seeded = await a.request('message.send', { roomId: honestRoom.id, body: 'before', clientMsgId: 'h-0' });
    const fuzzOwn = await connect(fuzzer.accessToken);
    const own = await fuzzOwn.request('message.send', { roomId: fuzzRoom.id, body: 'mine', clientMsgId: 'fz-0' });
    knownIds.push(fuzzRoom.id, own.message.id, seeded.message.id, honestRoom.id, 'x');

    const cpu0 = process.cpuUsage();
    const frames = fc.sample(frameArbitrary(), { seed: SEED, numRuns: FRAMES });
    const cpu1 = process.cpuUsage();
    const cpuSec = (from: NodeJS.CpuUsage, to: NodeJS.CpuUsage) => ((to.user - from.user + to.system - from.system) / 1e6).toFixed(1);
    const baseline = heapAfterGc();

    const hostile: HostileSocket[] = [];
    const problems: string[] = [];
    const attach = (client: RawClient): HostileSocket => {
      let wake: (() => void) | null = null;
      const h: HostileSocket = {
        client,
        owed: new Map(),
        outstanding: 0,
        // Its hello reply is not the fuzzer's business.
        seenFrames: client.frames.length,
        settled: () =>
          new Promise<void>((resolve) => {
            wake = resolve;
            check();
          }),
      };
      const check = () => {
        collect(h);
        if (wake && (h.outstanding === 0 || h.client.closeCode !== undefined)) {
          wake();
          wake = null;
        }
      };
      // Registered after RawClient's own listeners, so the frame is already in `frames`.
      client.socket.on('message', check);
      client.socket.on('close', check);
      return h;
    };
    for (const token of [fuzzer.accessToken, fuzzer.accessToken, undefined, undefined]) hostile.push(attach(await connect(token)));
    const tokens = [fuzzer.accessToken, fuzzer.accessToken, undefined, undefined];

    /** Takes every frame that arrived since the last look and checks it against what is owed. */
    const collect = (h: HostileSocket) => {
      for (; h.seenFrames < h.client.frames.length; h.seenFrames++) {
        const frame = h.client.frames[h.seenFrames]!;
        const problem = wellFormedReply(frame);
        if (problem) problems.push(`${problem}: ${JSON.stringify(frame).slice(0, 300)}`);
        if ('ev' in frame) continue;
        const owed = h.owed.get(frame.re) ?? 0;
        if (owed === 0) problems.push(`reply nobody asked for: ${JSON.stringify(frame).slice(0, 300)}`);
        else {
          h.owed.set(frame.re, owed - 1);
          h.outstanding--;
        }
      }
    };

    let honestSent = 1;
    let sent = 0;
    let reconnects = 0;
    for (let start = 0; start < frames.length; start += WINDOW * hostile.length) {
      for (const [i, h] of hostile.entries()) {
        for (const frame of frames.slice(start + i * WINDOW, start + (i + 1) * WINDOW)) {
          // An anonymous socket's real hello attempt ends it (junk token: 4401), so it goes to an authenticated one.
          const target = !tokens[i] && isHelloAttempt(frame) ? hostile[0]! : h;
          const re = expectedRe(frame);
          target.owed.set(re, (target.owed.get(re) ?? 0) + 1);
          target.outstanding++;
          target.client.sendRaw(frame.binary ? Buffer.from(frame.text, 'latin1') : frame.text, frame.binary);
          sent++;
        }
      }
      // Honest traffic keeps flowing in the middle of it.
      const body = `honest ${honestSent}`;
      const ack = a.request('message.send', { roomId: honestRoom.id, body, clientMsgId: `h-${honestSent++}` });
      for (const [i, h] of hostile.entries()) {
        await h.settled();
        if (h.client.closeCode !== undefined) {
          // Only a refused hello may end a hostile socket; anything else is a finding.
          if (h.client.closeCode !== CloseCodes.Unauthorized.code) problems.push(`hostile socket ${i} closed with ${h.client.closeCode}`);
          reconnects++;
          hostile[i] = attach(await connect(tokens[i]));
        }
      }
      expect((await ack).message.body).toBe(body);
      expect(problems.slice(0, 5)).toEqual([]);
    }

    // The honest pair saw every message, in order, and nothing else went wrong for them.
    await b.waitForEvent('message.created', (d) => d.message.clientMsgId === `h-${honestSent - 1}`, 10_000);
    const seen = b
      .eventsOf('message.created')
      .filter((d) => d.message.roomId === honestRoom.id)
      .map((d) => d.message.clientMsgId);
    expect(seen).toEqual(Array.from({ length: honestSent }, (_, i) => `h-${i}`));
    expect((await b.call('ping', {})).ok).toBe(true);
    expect(b.closeCode).toBeUndefined();
    expect(a.closeCode).toBeUndefined();

    // This process is the fuzzer and the server: CPU, not wall time (the machine may be shared).
    console.info(`[ws-fuzz] CPU: ${cpuSec(cpu0, cpu1)} s generating, ${cpuSec(cpu1, process.cpuUsage())} s sending and answering`);
    const grown = heapAfterGc() - baseline;
    console.info(
      `[ws-fuzz] ${sent} frames sent, ${reconnects} hostile sockets ended by a refused hello, heap after GC ${grown >= 0 ? '+' : ''}${(grown / 1e6).toFixed(1)} MB`,
    );
    // Generous: the server's caches (prepared statements, compiled validators) and the test's own arrays.
    expect(grown).toBeLessThan(150e6);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
  }, 240_000);
});
