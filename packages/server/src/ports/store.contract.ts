import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import type { NewMessage, RoomRecord, Store, UserRecord } from './store.js';

export interface StoreUnderTest {
  store: Store;
  cleanup: () => Promise<void>;
  /**
   * Opens a second Store on the same database (its own pool), standing in for a second
   * process. The suite closes what it opens. Adapters without multi-process use omit it.
   */
  openAnother?: () => Promise<Store>;
}

/**
 * The behaviour every Store adapter must show. Run it once per adapter with a factory
 * that returns a fresh, unmigrated store; the suite migrates it and shares it between
 * its tests, each of which makes its own users and rooms.
 */
export function describeStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`Store contract: ${name}`, () => {
    let sut: StoreUnderTest;
    let store: Store;
    // A clock that only moves forward, one second per reading, so ordering is certain.
    let clock = Date.parse('2030-01-01T00:00:00.000Z');
    const now = () => new Date((clock += 1000)).toISOString();

    beforeAll(async () => {
      sut = await makeStore();
      store = sut.store;
      await store.migrate();
    });
    afterAll(async () => {
      await sut?.cleanup();
    });

    const newUser = (prefix = 'user') =>
      store.createUser({
        username: `${prefix}_${randomUUID().slice(0, 8)}`,
        displayName: prefix,
        passwordHash: 'hash',
        now: now(),
      });
    const users = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => newUser(`u${i}`)));
    const group = (creator: UserRecord, others: UserRecord[] = [], name = 'room') =>
      store.createRoom({ kind: 'group', name, creatorId: creator.id, memberIds: others.map((u) => u.id), now: now() });
    const send = (room: RoomRecord, sender: UserRecord, extra: Partial<NewMessage> = {}) =>
      store.insertMessage({
        roomId: room.id,
        senderId: sender.id,
        kind: 'text',
        body: 'hello',
        clientMsgId: null,
        now: now(),
        ...extra,
      });
    const expectAppError = async (p: Promise<unknown>, code: string) => {
      const err = await p.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe(code);
    };
    const allMessages = async (roomId: string) => store.listMessages(roomId, { afterSeq: 0, limit: 100_000 });

    describe('lifecycle', () => {
      it('migrates idempotently and answers ping', async () => {
        await store.migrate();
        await store.ping();
        expect(['sqlite', 'postgres']).toContain(store.dialect);
      });
    });

    describe('users', () => {
      it('creates, finds case-insensitively and reads users', async () => {
        const name = `Alice_${randomUUID().slice(0, 8)}`;
        const created = await store.createUser({ username: name, displayName: 'Alice', passwordHash: 'h1', now: now() });
        expect(created).toEqual({
          id: expect.any(String),
          username: name,
          displayName: 'Alice',
          avatarUrl: null,
          statusMessage: null,
          passwordHash: 'h1',
          isPlatformAdmin: false,
          createdAt: expect.any(String),
        });
        expect(await store.findUserByUsername(name.toUpperCase())).toEqual(created);
        expect(await store.findUserByUsername(name.toLowerCase())).toEqual(created);
        expect(await store.getUser(created.id)).toEqual(created);
        expect(await store.getUser(randomUUID())).toBeUndefined();
        expect(await store.findUserByUsername(`nobody_${randomUUID()}`)).toBeUndefined();
      });

      it('rejects a username taken in another case with conflict', async () => {
        const name = `Carol_${randomUUID().slice(0, 8)}`;
        await store.createUser({ username: name, displayName: 'C', passwordHash: 'h', now: now() });
        await expectAppError(
          store.createUser({ username: name.toUpperCase(), displayName: 'C2', passwordHash: 'h', now: now() }),
          'conflict',
        );
        await expectAppError(store.createUser({ username: name, displayName: 'C3', passwordHash: 'h', now: now() }), 'conflict');
      });

      it('gets many users, ignoring unknown and repeated ids', async () => {
        const [a, b] = await users(2);
        const got = await store.getUsers([a!.id, b!.id, a!.id, randomUUID()]);
        expect(got.map((u) => u.id).sort()).toEqual([a!.id, b!.id].sort());
        expect(await store.getUsers([])).toEqual([]);
      });

      it('updates profile fields and the platform admin flag', async () => {
        const u = await newUser();
        const updated = await store.updateUser(u.id, { displayName: 'New', avatarUrl: '/a.png', statusMessage: 'hi' });
        expect(updated).toMatchObject({ id: u.id, displayName: 'New', avatarUrl: '/a.png', statusMessage: 'hi' });
        expect(await store.updateUser(u.id, { avatarUrl: null })).toMatchObject({ displayName: 'New', avatarUrl: null });
        expect(await store.updateUser(u.id, {})).toMatchObject({ displayName: 'New' });
        await store.setPlatformAdmin(u.id, true);
        expect((await store.getUser(u.id))?.isPlatformAdmin).toBe(true);
        await store.setPlatformAdmin(u.id, false);
        expect((await store.getUser(u.id))?.isPlatformAdmin).toBe(false);
        await expectAppError(store.updateUser(randomUUID(), { displayName: 'x' }), 'not_found');
        await expectAppError(store.setPlatformAdmin(randomUUID(), true), 'not_found');
      });
    });

    describe('refresh tokens', () => {
      const token = (userId: string, familyId = randomUUID()) => ({
        tokenHash: randomUUID(),
        userId,
        familyId,
        expiresAt: '2031-01-01T00:00:00.000Z',
        createdAt: now(),
      });

      it('is used once; a second use reads as reuse; an unknown hash as missing', async () => {
        const u = await newUser();
        const row = token(u.id);
        await store.insertRefreshToken(row);
        expect(await store.useRefreshToken(row.tokenHash, now())).toEqual({ status: 'ok', row });
        expect(await store.useRefreshToken(row.tokenHash, now())).toEqual({ status: 'reused', row });
        expect(await store.useRefreshToken(randomUUID(), now())).toEqual({ status: 'missing' });
      });

      it('gives ok to exactly one of many concurrent uses', async () => {
        const u = await newUser();
        const row = token(u.id);
        await store.insertRefreshToken(row);
        const results = await Promise.all(Array.from({ length: 20 }, () => store.useRefreshToken(row.tokenHash, now())));
        expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
        expect(results.filter((r) => r.status === 'reused')).toHaveLength(19);
      });

      it('revokes a whole family and nothing else', async () => {
        const u = await newUser();
        const family = randomUUID();
        const first = token(u.id, family);
        const second = token(u.id, family);
        const other = token(u.id);
        for (const r of [first, second, other]) await store.insertRefreshToken(r);
        await store.useRefreshToken(first.tokenHash, now());
        await store.revokeRefreshFamily(family);
        expect((await store.useRefreshToken(second.tokenHash, now())).status).not.toBe('ok');
        expect((await store.useRefreshToken(first.tokenHash, now())).status).not.toBe('ok');
        expect((await store.useRefreshToken(other.tokenHash, now())).status).toBe('ok');
      });
    });

    describe('rooms', () => {
      it('creates a group with the creator as owner and the others as members', async () => {
        const [owner, a, b] = await users(3);
        const room = await store.createRoom({
          kind: 'group',
          name: 'Team',
          creatorId: owner!.id,
          memberIds: [a!.id, b!.id, owner!.id, a!.id],
          now: now(),
        });
        expect(room).toEqual({ id: expect.any(String), kind: 'group', name: 'Team', avatarUrl: null, lastSeq: 0, createdAt: expect.any(String), description: null });
        expect(await store.getRoom(room.id)).toEqual(room);
        const members = await store.listMembers(room.id);
        expect(members).toHaveLength(3);
        expect(members.find((m) => m.userId === owner!.id)).toEqual({ roomId: room.id, userId: owner!.id, role: 'owner', joinedSeq: 0, lastReadSeq: 0 });
        expect(members.filter((m) => m.role === 'member').map((m) => m.userId).sort()).toEqual([a!.id, b!.id].sort());
        expect(await store.countMembers(room.id)).toBe(3);
      });

      it('updates a room and reports unknown rooms', async () => {
        const owner = await newUser();
        const room = await group(owner);
        expect(await store.updateRoom(room.id, { name: 'Renamed', avatarUrl: '/r.png' })).toMatchObject({ name: 'Renamed', avatarUrl: '/r.png' });
        expect(await store.updateRoom(room.id, { avatarUrl: null })).toMatchObject({ name: 'Renamed', avatarUrl: null });
        expect(await store.getRoom(randomUUID())).toBeUndefined();
        await expectAppError(store.updateRoom(randomUUID(), { name: 'x' }), 'not_found');
      });

      it('gives a pair the same direct room every time, from either side', async () => {
        const [a, b, c] = await users(3);
        const first = await store.getOrCreateDirectRoom({ userA: a!.id, userB: b!.id, now: now() });
        expect(first.created).toBe(true);
        expect(first.room.kind).toBe('direct');
        const again = await store.getOrCreateDirectRoom({ userA: b!.id, userB: a!.id, now: now() });
        expect(again).toEqual({ room: first.room, created: false });
        const members = await store.listMembers(first.room.id);
        expect(members.map((m) => m.userId).sort()).toEqual([a!.id, b!.id].sort());
        const other = await store.getOrCreateDirectRoom({ userA: a!.id, userB: c!.id, now: now() });
        expect(other.room.id).not.toBe(first.room.id);
      });

      it('creates one direct room when both sides ask at once', async () => {
        const [a, b] = await users(2);
        const results = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            store.getOrCreateDirectRoom(i % 2 ? { userA: a!.id, userB: b!.id, now: now() } : { userA: b!.id, userB: a!.id, now: now() }),
          ),
        );
        expect(new Set(results.map((r) => r.room.id)).size).toBe(1);
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(await store.countMembers(results[0]!.room.id)).toBe(2);
      });
    });

    describe('members', () => {
      it('adds members at the current seq and skips current members', async () => {
        const [owner, a, b] = await users(3);
        const room = await group(owner!, [a!]);
        await send(room, owner!);
        await send(room, owner!);
        const added = await store.addMembers(room.id, [a!.id, b!.id, b!.id], 'member', now());
        expect(added).toEqual([{ roomId: room.id, userId: b!.id, role: 'member', joinedSeq: 2, lastReadSeq: 2 }]);
        expect(await store.getMember(room.id, b!.id)).toEqual(added[0]);
        expect(await store.addMembers(room.id, [b!.id], 'admin', now())).toEqual([]);
        expect(await store.getMember(room.id, b!.id)).toMatchObject({ role: 'member' });
        expect(await store.addMembers(room.id, [], 'member', now())).toEqual([]);
      });

      it('re-adds a former member with a fresh row', async () => {
        const [owner, a] = await users(2);
        const room = await group(owner!, [a!]);
        await store.setMemberRole(room.id, a!.id, 'admin');
        await send(room, owner!);
        expect(await store.removeMember(room.id, a!.id, now())).toBe(true);
        expect(await store.removeMember(room.id, a!.id, now())).toBe(false);
        expect(await store.getMember(room.id, a!.id)).toBeUndefined();
        expect(await store.countMembers(room.id)).toBe(1);
        await send(room, owner!);
        await send(room, owner!);
        const added = await store.addMembers(room.id, [a!.id], 'member', now());
        expect(added).toEqual([{ roomId: room.id, userId: a!.id, role: 'member', joinedSeq: 3, lastReadSeq: 3 }]);
        expect(await store.getMember(room.id, a!.id)).toEqual(added[0]);
        expect(await store.countMembers(room.id)).toBe(2);
      });

      it('reports unknown rooms and members', async () => {
        const [owner, a] = await users(2);
        const room = await group(owner!);
        await expectAppError(store.addMembers(randomUUID(), [a!.id], 'member', now()), 'not_found');
        await expectAppError(store.addMembers(room.id, [randomUUID()], 'member', now()), 'not_found');
        await expectAppError(store.setMemberRole(room.id, a!.id, 'admin'), 'not_found');
        expect(await store.removeMember(room.id, a!.id, now())).toBe(false);
        expect(await store.getMember(randomUUID(), a!.id)).toBeUndefined();
      });

      it('changes roles', async () => {
        const [owner, a] = await users(2);
        const room = await group(owner!, [a!]);
        expect(await store.setMemberRole(room.id, a!.id, 'admin')).toEqual({ roomId: room.id, userId: a!.id, role: 'admin', joinedSeq: 0, lastReadSeq: 0 });
        expect((await store.getMember(room.id, a!.id))?.role).toBe('admin');
      });

      it('lists the rooms and peers of a user, current memberships only', async () => {
        const [me, a, b, c, d] = await users(5);
        const r1 = await group(me!, [a!, b!]);
        const r2 = await group(c!, [me!, a!]);
        const r3 = await group(me!, [d!]);
        await group(a!, [b!, c!, d!]);
        await store.removeMember(r3.id, me!.id, now());
        await store.removeMember(r2.id, c!.id, now());
        expect((await store.listRoomIdsForUser(me!.id)).sort()).toEqual([r1.id, r2.id].sort());
        expect((await store.listRoomPeers(me!.id)).sort()).toEqual([a!.id, b!.id].sort());
        expect(await store.listRoomPeers((await newUser()).id)).toEqual([]);
      });

      it('lists the current members of several rooms at once', async () => {
        const [me, a, b] = await users(3);
        const r1 = await group(me!, [a!]);
        const r2 = await group(b!, [me!]);
        await store.removeMember(r1.id, a!.id, now());
        const rows = await store.listMembersOfRooms([r1.id, r2.id]);
        expect(rows.map((m) => `${m.roomId}:${m.userId}`).sort())
          .toEqual([`${r1.id}:${me!.id}`, `${r2.id}:${b!.id}`, `${r2.id}:${me!.id}`].sort());
        expect(rows.find((m) => m.roomId === r2.id && m.userId === b!.id)).toMatchObject({ role: 'owner', joinedSeq: 0, lastReadSeq: 0 });
        expect(await store.listMembersOfRooms([])).toEqual([]);
      });
    });

    describe('messages', () => {
      it('accepts sends from current members only, without using a seq otherwise', async () => {
        const [owner, a, stranger] = await users(3);
        const room = await group(owner!, [a!]);
        const send = (senderId: string, clientMsgId: string, roomId = room.id) =>
          store.insertMessage({ roomId, senderId, kind: 'text', body: 'x', clientMsgId, now: now() });
        await expectAppError(send(stranger!.id, 's-1'), 'not_found');
        await expectAppError(send(owner!.id, 'o-0', randomUUID()), 'not_found');
        expect((await send(a!.id, 'a-1')).message.seq).toBe(1);
        await store.removeMember(room.id, a!.id, now());
        await expectAppError(send(a!.id, 'a-2'), 'not_found');
        // A retry of what was stored before leaving still gets its answer.
        expect(await send(a!.id, 'a-1')).toMatchObject({ duplicate: true, message: { seq: 1 } });
        expect((await send(owner!.id, 'o-1')).message.seq).toBe(2);
        // Concurrently, in one group commit, a stranger's send fails alone.
        const mixed = await Promise.allSettled([send(owner!.id, 'o-2'), send(stranger!.id, 's-2'), send(owner!.id, 'o-3')]);
        expect(mixed.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect((await store.getRoom(room.id))?.lastSeq).toBe(4);
      });

      it('assigns seqs 1, 2, 3 and moves the sender read pointer', async () => {
        const [owner, a] = await users(2);
        const room = await group(owner!, [a!]);
        const t = now();
        const first = await store.insertMessage({ roomId: room.id, senderId: owner!.id, kind: 'text', body: 'one', clientMsgId: 'c-1', now: t });
        expect(first).toEqual({
          duplicate: false,
          message: {
            id: expect.any(String),
            roomId: room.id,
            seq: 1,
            senderId: owner!.id,
            kind: 'text',
            body: 'one',
            clientMsgId: 'c-1',
            createdAt: t,
            editedAt: null,
            deletedAt: null,
            replyTo: null,
            mentions: [],
            mentionsAll: false,
          },
        });
        expect((await send(room, a!)).message.seq).toBe(2);
        expect((await send(room, owner!, { kind: 'system' })).message).toMatchObject({ seq: 3, kind: 'system', clientMsgId: null });
        expect((await store.getRoom(room.id))?.lastSeq).toBe(3);
        expect((await store.getMember(room.id, owner!.id))?.lastReadSeq).toBe(3);
        expect((await store.getMember(room.id, a!.id))?.lastReadSeq).toBe(2);
        expect(await store.getMessage(first.message.id)).toEqual(first.message);
        expect(await store.getMessage(randomUUID())).toBeUndefined();
      });

      it('keeps seqs gap-free under 200 concurrent sends to one room', async () => {
        const senders = await users(4);
        const room = await group(senders[0]!, senders.slice(1));
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) => send(room, senders[i % 4]!, { body: `m${i}`, clientMsgId: `gap-${i}` })),
        );
        const seqs = results.map((r) => r.message.seq).sort((x, y) => x - y);
        expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        expect((await store.getRoom(room.id))?.lastSeq).toBe(200);
        expect((await allMessages(room.id)).map((m) => m.seq)).toEqual(seqs);
      });

      it('keeps seqs gap-free when two store instances (two pools) send to one room', async (ctx) => {
        if (!sut.openAnother) return ctx.skip();
        const second = await sut.openAnother();
        try {
          const senders = await users(2);
          const room = await group(senders[0]!, [senders[1]!]);
          const results = await Promise.all(
            Array.from({ length: 200 }, (_, i) =>
              (i % 2 ? store : second).insertMessage({
                roomId: room.id,
                senderId: senders[i % 2]!.id,
                kind: 'text',
                body: `m${i}`,
                clientMsgId: `two-${i}`,
                now: now(),
              }),
            ),
          );
          const seqs = results.map((r) => r.message.seq).sort((x, y) => x - y);
          expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
          expect((await store.getRoom(room.id))?.lastSeq).toBe(200);
        } finally {
          await second.close();
        }
      });

      it('stores a retried send once (sequential)', async () => {
        const [owner] = await users(1);
        const room = await group(owner!);
        const first = await send(room, owner!, { body: 'once', clientMsgId: 'retry-1' });
        const again = await send(room, owner!, { body: 'twice', clientMsgId: 'retry-1' });
        expect(again).toEqual({ message: first.message, duplicate: true });
        expect((await store.getRoom(room.id))?.lastSeq).toBe(1);
        const next = await send(room, owner!, { clientMsgId: 'retry-2' });
        expect(next.message.seq).toBe(2);
        // The same client id from another sender is another message.
        const other = await newUser();
        await store.addMembers(room.id, [other.id], 'member', now());
        expect((await send(room, other, { clientMsgId: 'retry-1' })).duplicate).toBe(false);
      });

      it('recognises a retry even when it names another or an unknown room', async () => {
        const [owner] = await users(1);
        const r1 = await group(owner!);
        const r2 = await group(owner!);
        const first = await send(r1, owner!, { clientMsgId: 'cross' });
        expect(await send(r2, owner!, { clientMsgId: 'cross' })).toEqual({ message: first.message, duplicate: true });
        expect(
          await store.insertMessage({ roomId: randomUUID(), senderId: owner!.id, kind: 'text', body: 'x', clientMsgId: 'cross', now: now() }),
        ).toEqual({ message: first.message, duplicate: true });
        expect((await store.getRoom(r2.id))?.lastSeq).toBe(0);
      });

      it('recognises retries of stored sends inside a burst of new ones', async () => {
        const [owner] = await users(1);
        const room = await group(owner!);
        const stored = await send(room, owner!, { body: 'first', clientMsgId: 'burst-0' });
        const results = await Promise.all([
          send(room, owner!, { clientMsgId: 'burst-1' }),
          send(room, owner!, { clientMsgId: 'burst-0' }),
          send(room, owner!, { clientMsgId: 'burst-2' }),
          send(room, owner!, { clientMsgId: null }),
        ]);
        expect(results[1]).toEqual({ message: stored.message, duplicate: true });
        expect(results.filter((r) => r.duplicate)).toHaveLength(1);
        expect(results.map((r) => r.message.seq).sort()).toEqual([1, 2, 3, 4]);
        expect((await store.getRoom(room.id))?.lastSeq).toBe(4);
      });

      it('numbers each room on its own under concurrent sends to many rooms', async () => {
        const [owner] = await users(1);
        const rooms = await Promise.all(Array.from({ length: 10 }, () => group(owner!)));
        const results = await Promise.all(Array.from({ length: 200 }, (_, i) => send(rooms[i % 10]!, owner!, { body: `m${i}` })));
        for (const room of rooms) {
          const mine = results.filter((r) => r.message.roomId === room.id);
          // Sends to one room from one caller are numbered in call order.
          expect(mine.map((r) => r.message.seq)).toEqual(Array.from({ length: 20 }, (_, k) => k + 1));
          expect((await store.getRoom(room.id))?.lastSeq).toBe(20);
        }
        expect((await store.getMember(rooms[0]!.id, owner!.id))?.lastReadSeq).toBe(20);
      });

      it('stores a retried send once when the copies race', async () => {
        const [owner] = await users(1);
        const room = await group(owner!);
        const results = await Promise.all(Array.from({ length: 20 }, () => send(room, owner!, { clientMsgId: 'race' })));
        expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
        expect((await store.getRoom(room.id))?.lastSeq).toBe(1);
        expect(await allMessages(room.id)).toHaveLength(1);
      });

      it('stores a retried send once when the copies race across store instances', async (ctx) => {
        if (!sut.openAnother) return ctx.skip();
        const second = await sut.openAnother();
        try {
          const [owner] = await users(1);
          const room = await group(owner!);
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              (i % 2 ? store : second).insertMessage({ roomId: room.id, senderId: owner!.id, kind: 'text', body: 'b', clientMsgId: 'race2', now: now() }),
            ),
          );
          expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
          expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
          expect((await store.getRoom(room.id))?.lastSeq).toBe(1);
        } finally {
          await second.close();
        }
      });

      it('fails only the send to an unknown room among concurrent sends', async () => {
        const [owner] = await users(1);
        const room = await group(owner!);
        const results = await Promise.allSettled([
          send(room, owner!),
          store.insertMessage({ roomId: randomUUID(), senderId: owner!.id, kind: 'text', body: 'x', clientMsgId: null, now: now() }),
          send(room, owner!),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        const rejected = results[1] as PromiseRejectedResult;
        expect(rejected.reason).toBeInstanceOf(AppError);
        expect((rejected.reason as AppError).code).toBe('not_found');
        expect((await store.getRoom(room.id))?.lastSeq).toBe(2);
      });

      it('fails only the send from an unknown sender among concurrent sends', async () => {
        const [owner] = await users(1);
        const room = await group(owner!);
        const results = await Promise.allSettled([
          send(room, owner!, { clientMsgId: 'ok-1' }),
          store.insertMessage({ roomId: room.id, senderId: randomUUID(), kind: 'text', body: 'x', clientMsgId: 'ghost', now: now() }),
          send(room, owner!, { clientMsgId: 'ok-2' }),
        ]);
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect(((results[1] as PromiseRejectedResult).reason as AppError).code).toBe('not_found');
        expect((await allMessages(room.id)).map((m) => m.seq)).toEqual([1, 2]);
      });

      it('pages history in ascending order', async () => {
        const [owner] = await users(1);
        const room = await group(owner!);
        for (let i = 1; i <= 10; i++) await send(room, owner!, { body: `m${i}` });
        const seqs = (ms: { seq: number }[]) => ms.map((m) => m.seq);
        expect(seqs(await store.listMessages(room.id, { limit: 3 }))).toEqual([8, 9, 10]);
        expect(seqs(await store.listMessages(room.id, { beforeSeq: 8, limit: 3 }))).toEqual([5, 6, 7]);
        expect(seqs(await store.listMessages(room.id, { beforeSeq: 3, limit: 5 }))).toEqual([1, 2]);
        expect(seqs(await store.listMessages(room.id, { afterSeq: 0, limit: 3 }))).toEqual([1, 2, 3]);
        expect(seqs(await store.listMessages(room.id, { afterSeq: 7, limit: 5 }))).toEqual([8, 9, 10]);
        expect(seqs(await store.listMessages(room.id, { afterSeq: 10, limit: 5 }))).toEqual([]);
        expect(seqs(await store.listMessages(room.id, { afterSeq: 2, beforeSeq: 6, limit: 10 }))).toEqual([3, 4, 5]);
        expect((await store.listMessages(room.id, { afterSeq: 0, limit: 1 }))[0]?.body).toBe('m1');
        expect(await store.listMessages(randomUUID(), { limit: 10 })).toEqual([]);
      });

      it('edits and deletes', async () => {
        const [owner] = await users(1);
        const room = await group(owner!);
        const { message } = await send(room, owner!, { body: 'draft' });
        const t1 = now();
        const edited = await store.updateMessageBody(message.id, 'final', t1);
        expect(edited).toEqual({ ...message, body: 'final', editedAt: t1 });
        const t2 = now();
        const deleted = await store.markMessageDeleted(message.id, t2);
        expect(deleted).toEqual({ ...message, body: '', editedAt: t1, deletedAt: t2 });
        expect(await store.getMessage(message.id)).toEqual(deleted);
        expect((await store.markMessageDeleted(message.id, now())).deletedAt).toBe(t2);
        await expectAppError(store.updateMessageBody(randomUUID(), 'x', now()), 'not_found');
        await expectAppError(store.markMessageDeleted(randomUUID(), now()), 'not_found');
      });
    });

    describe('read pointers', () => {
      it('moves forward only and returns the pointer', async () => {
        const [owner, reader] = await users(2);
        const room = await group(owner!, [reader!]);
        for (let i = 0; i < 5; i++) await send(room, owner!);
        expect(await store.advanceReadPointer(room.id, reader!.id, 3)).toBe(3);
        expect(await store.advanceReadPointer(room.id, reader!.id, 2)).toBe(3);
        expect(await store.advanceReadPointer(room.id, reader!.id, 3)).toBe(3);
        expect(await store.advanceReadPointer(room.id, reader!.id, 5)).toBe(5);
        expect((await store.getMember(room.id, reader!.id))?.lastReadSeq).toBe(5);
        // Own sends never pull the pointer back either.
        expect(await store.advanceReadPointer(room.id, owner!.id, 1)).toBe(5);
      });

      it('ends at the highest of racing updates and never passes the last seq', async () => {
        const [owner, reader] = await users(2);
        const room = await group(owner!, [reader!]);
        for (let i = 0; i < 20; i++) await send(room, owner!);
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.advanceReadPointer(room.id, reader!.id, 20 - i)));
        expect((await store.getMember(room.id, reader!.id))?.lastReadSeq).toBe(20);
        expect(await store.advanceReadPointer(room.id, reader!.id, 999)).toBe(20);
      });

      it('reports a non-member', async () => {
        const [owner, stranger] = await users(2);
        const room = await group(owner!);
        await expectAppError(store.advanceReadPointer(room.id, stranger!.id, 1), 'not_found');
      });
    });

    describe('notices and announcements', () => {
      it('keeps one active notice per room', async () => {
        const [owner] = await users(1);
        const room = await group(owner!);
        const t = now();
        const first = await store.createNotice({ roomId: room.id, authorId: owner!.id, body: 'first', now: t });
        expect(first).toEqual({ id: expect.any(String), roomId: room.id, authorId: owner!.id, body: 'first', createdAt: t });
        expect(await store.getNotice(first.id)).toEqual({ ...first, active: true });
        const second = await store.createNotice({ roomId: room.id, authorId: owner!.id, body: 'second', now: now() });
        expect((await store.getNotice(first.id))?.active).toBe(false);
        expect((await store.getNotice(second.id))?.active).toBe(true);
        expect((await store.getRoomForUser(room.id, owner!.id))?.notice).toEqual(second);
        expect(await store.deactivateNotice(second.id)).toBe(true);
        expect(await store.deactivateNotice(second.id)).toBe(false);
        expect(await store.deactivateNotice(first.id)).toBe(false);
        expect((await store.getRoomForUser(room.id, owner!.id))?.notice).toBeNull();
        expect(await store.getNotice(randomUUID())).toBeUndefined();
        await expectAppError(store.createNotice({ roomId: randomUUID(), authorId: owner!.id, body: 'x', now: now() }), 'not_found');
      });

      it('keeps one active notice when notices are posted at once', async () => {
        const [owner] = await users(1);
        const room = await group(owner!);
        const posted = await Promise.all(
          Array.from({ length: 8 }, (_, i) => store.createNotice({ roomId: room.id, authorId: owner!.id, body: `n${i}`, now: now() })),
        );
        const states = await Promise.all(posted.map((n) => store.getNotice(n.id)));
        expect(states.filter((s) => s?.active)).toHaveLength(1);
      });

      it('lists announcements newest first', async () => {
        const [admin] = await users(1);
        const made = [];
        for (let i = 0; i < 3; i++) made.push(await store.createAnnouncement({ authorId: admin!.id, body: `a${i}`, now: now() }));
        expect(made[0]).toEqual({ id: expect.any(String), authorId: admin!.id, body: 'a0', createdAt: expect.any(String) });
        const listed = await store.listAnnouncements(2);
        expect(listed).toEqual([made[2], made[1]]);
      });
    });

    describe('room views', () => {
      it('lists my rooms with read state, last message, notice, peer and member count, newest activity first', async () => {
        const [me, a, b] = await users(3);
        const quiet = await group(me!, [a!], 'quiet');
        const busy = await group(a!, [me!, b!], 'busy');
        const { room: direct } = await store.getOrCreateDirectRoom({ userA: me!.id, userB: b!.id, now: now() });
        const left = await group(a!, [me!], 'left');
        await store.removeMember(left.id, me!.id, now());

        await send(busy, a!);
        await send(busy, me!);
        const last = await send(busy, b!, { body: 'latest in busy' });
        await store.createNotice({ roomId: busy.id, authorId: a!.id, body: 'read me', now: now() });
        const directMsg = await send(direct, b!, { body: 'hi me' });
        // The direct room was created after busy, but busy's last message is newer.
        const newest = await send(busy, a!, { body: 'newest' });

        const views = await store.listRoomsForUser(me!.id);
        expect(views.map((v) => v.room.id)).toEqual([busy.id, direct.id, quiet.id]);

        const [busyView, directView, quietView] = views;
        expect(busyView).toEqual({
          room: { ...busy, lastSeq: 4 },
          member: { roomId: busy.id, userId: me!.id, role: 'member', joinedSeq: 0, lastReadSeq: 2 },
          memberCount: 3,
          lastMessage: newest.message,
          notice: expect.objectContaining({ roomId: busy.id, body: 'read me' }),
          peerId: null,
        });
        expect(busyView!.room.lastSeq - busyView!.member.lastReadSeq).toBe(2);
        expect(last.message.seq).toBe(3);
        expect(directView).toMatchObject({ memberCount: 2, peerId: b!.id, lastMessage: directMsg.message, notice: null });
        expect(directView!.room.lastSeq - directView!.member.lastReadSeq).toBe(1);
        expect(quietView).toMatchObject({ memberCount: 2, lastMessage: null, notice: null, peerId: null });
        expect(quietView!.member.role).toBe('owner');

        const fromB = await store.listRoomsForUser(b!.id);
        expect(fromB.find((v) => v.room.id === direct.id)?.peerId).toBe(me!.id);
        expect(await store.listRoomsForUser((await newUser()).id)).toEqual([]);
      });

      it('shows one room as the list would, or nothing to a non-member', async () => {
        const [me, a, stranger] = await users(3);
        const room = await group(a!, [me!]);
        await send(room, a!);
        const fromList = (await store.listRoomsForUser(me!.id)).find((v) => v.room.id === room.id);
        expect(await store.getRoomForUser(room.id, me!.id)).toEqual(fromList);
        expect(await store.getRoomForUser(room.id, stranger!.id)).toBeUndefined();
        await store.removeMember(room.id, me!.id, now());
        expect(await store.getRoomForUser(room.id, me!.id)).toBeUndefined();
        expect(await store.getRoomForUser(randomUUID(), me!.id)).toBeUndefined();
      });

      it('lists many rooms', async () => {
        const [me, a] = await users(2);
        const rooms = await Promise.all(Array.from({ length: 60 }, (_, i) => group(a!, [me!], `r${i}`)));
        await Promise.all(rooms.map((r, i) => send(r, a!, { body: `b${i}` })));
        const views = await store.listRoomsForUser(me!.id);
        expect(views).toHaveLength(60);
        for (const v of views) {
          expect(v.lastMessage?.seq).toBe(1);
          expect(v.memberCount).toBe(2);
          expect(v.room.lastSeq - v.member.lastReadSeq).toBe(1);
        }
      });
    });
  });
}
