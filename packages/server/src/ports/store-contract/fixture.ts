import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { AppError } from '../../errors.js';
import type { NewMessage, RoomRecord, Store, UserRecord } from '../store.js';

export interface StoreUnderTest {
  store: Store;
  cleanup: () => Promise<void>;
  /**
   * Opens a second Store on the same database (its own pool), standing in for a second
   * process. The suite closes what it opens. Adapters without multi-process use omit it.
   */
  openAnother?: () => Promise<Store>;
  /**
   * How many rooms the many-rooms area puts one user in (default 33,000, past SQLite's
   * bound-parameter limit). An adapter whose test server cannot take that in time says so.
   */
  manyRooms?: number;
  /**
   * The adapter's room views carry `extras` for every room with no pin and no unread mention of
   * the viewer (the shortcut that spares a hello the `roomExtras` reads); the suite holds it to it.
   */
  viewsCarryExtras?: boolean;
  /**
   * Makes `count` group rooms owned by `ownerId` with `memberId` as a member, written
   * straight into the database (the many-rooms tests need tens of thousands; one
   * `createRoom` each takes minutes). Returns the room ids. Without it the suite uses
   * `createRoom`.
   */
  seedRooms?: (input: { ownerId: string; memberId: string; count: number; now: string }) => Promise<string[]>;
}

/**
 * What every area of the contract shares: one migrated store per adapter (each test
 * makes its own users and rooms) and the helpers that build them.
 */
export interface StoreFixture {
  readonly store: Store;
  readonly sut: StoreUnderTest;
  /** A clock that only moves forward, one second per reading, so ordering is certain. */
  now(): string;
  newUser(prefix?: string): Promise<UserRecord>;
  users(n: number): Promise<UserRecord[]>;
  group(creator: UserRecord, others?: UserRecord[], name?: string): Promise<RoomRecord>;
  send(
    room: RoomRecord,
    sender: UserRecord,
    extra?: Partial<NewMessage>,
  ): Promise<{ message: import('@chatchat/protocol').Message; duplicate: boolean }>;
  expectAppError(p: Promise<unknown>, code: string): Promise<void>;
  allMessages(roomId: string): Promise<import('@chatchat/protocol').Message[]>;
}

/** Registers the suite's beforeAll/afterAll; call inside the adapter's describe. */
export function useStoreFixture(makeStore: () => Promise<StoreUnderTest>): StoreFixture {
  let sut: StoreUnderTest | undefined;
  let clock = Date.parse('2030-01-01T00:00:00.000Z');

  beforeAll(async () => {
    sut = await makeStore();
    await sut.store.migrate();
  });
  afterAll(async () => {
    await sut?.cleanup();
  });

  const f: StoreFixture = {
    get sut() {
      if (!sut) throw new Error('store fixture used before beforeAll');
      return sut;
    },
    get store() {
      return f.sut.store;
    },
    now: () => new Date((clock += 1000)).toISOString(),
    newUser: (prefix = 'user') =>
      f.store.createUser({ username: `${prefix}_${randomUUID().slice(0, 8)}`, displayName: prefix, passwordHash: 'hash', now: f.now() }),
    users: (n) => Promise.all(Array.from({ length: n }, (_, i) => f.newUser(`u${i}`))),
    group: (creator, others = [], name = 'room') =>
      f.store.createRoom({ kind: 'group', name, creatorId: creator.id, memberIds: others.map((u) => u.id), now: f.now() }),
    send: (room, sender, extra = {}) =>
      f.store.insertMessage({
        roomId: room.id,
        senderId: sender.id,
        kind: 'text',
        body: 'hello',
        clientMsgId: null,
        now: f.now(),
        ...extra,
      }),
    async expectAppError(p, code) {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe(code);
    },
    allMessages: (roomId) => f.store.listMessages(roomId, { afterSeq: 0, limit: 100_000 }),
  };
  return f;
}
