import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreFixture } from './fixture.js';

export function roomsContract(f: StoreFixture): void {
  const { now, newUser, users, group, expectAppError } = f;
  describe('rooms', () => {
    it('creates a group with the creator as owner and the others as members', async () => {
      const [owner, a, b] = await users(3);
      const room = await f.store.createRoom({
        kind: 'group',
        name: 'Team',
        creatorId: owner!.id,
        memberIds: [a!.id, b!.id, owner!.id, a!.id],
        now: now(),
      });
      expect(room).toEqual({
        id: expect.any(String),
        kind: 'group',
        name: 'Team',
        avatarUrl: null,
        lastSeq: 0,
        createdAt: expect.any(String),
        description: null,
      });
      expect(await f.store.getRoom(room.id)).toEqual(room);
      const members = await f.store.listMembers(room.id);
      expect(members).toHaveLength(3);
      expect(members.find((m) => m.userId === owner!.id)).toEqual({
        roomId: room.id,
        userId: owner!.id,
        role: 'owner',
        joinedSeq: 0,
        lastReadSeq: 0,
      });
      expect(
        members
          .filter((m) => m.role === 'member')
          .map((m) => m.userId)
          .sort(),
      ).toEqual([a!.id, b!.id].sort());
      expect((await f.store.listMembers(room.id)).length).toBe(3);
    });

    it('updates a room and reports unknown rooms', async () => {
      const owner = await newUser();
      const room = await group(owner);
      expect(await f.store.updateRoom(room.id, { name: 'Renamed', avatarUrl: '/r.png' })).toMatchObject({
        name: 'Renamed',
        avatarUrl: '/r.png',
      });
      expect(await f.store.updateRoom(room.id, { avatarUrl: null })).toMatchObject({ name: 'Renamed', avatarUrl: null });
      expect(await f.store.updateRoom(room.id, { description: 'About' })).toMatchObject({ name: 'Renamed', description: 'About' });
      expect(await f.store.getRoom(room.id)).toMatchObject({ description: 'About' });
      expect(await f.store.updateRoom(room.id, { description: null })).toMatchObject({ description: null });
      expect(await f.store.getRoom(randomUUID())).toBeUndefined();
      await expectAppError(f.store.updateRoom(randomUUID(), { name: 'x' }), 'not_found');
    });

    it('gives a pair the same direct room every time, from either side', async () => {
      const [a, b, c] = await users(3);
      const first = await f.store.getOrCreateDirectRoom({ userA: a!.id, userB: b!.id, now: now() });
      expect(first.created).toBe(true);
      expect(first.room.kind).toBe('direct');
      const again = await f.store.getOrCreateDirectRoom({ userA: b!.id, userB: a!.id, now: now() });
      expect(again).toEqual({ room: first.room, created: false });
      const members = await f.store.listMembers(first.room.id);
      expect(members.map((m) => m.userId).sort()).toEqual([a!.id, b!.id].sort());
      const other = await f.store.getOrCreateDirectRoom({ userA: a!.id, userB: c!.id, now: now() });
      expect(other.room.id).not.toBe(first.room.id);
    });

    it('creates one direct room when both sides ask at once', async () => {
      const [a, b] = await users(2);
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          f.store.getOrCreateDirectRoom(i % 2 ? { userA: a!.id, userB: b!.id, now: now() } : { userA: b!.id, userB: a!.id, now: now() }),
        ),
      );
      expect(new Set(results.map((r) => r.room.id)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
      expect((await f.store.listMembers(results[0]!.room.id)).length).toBe(2);
    });
  });
}
