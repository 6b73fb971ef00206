import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreFixture } from './fixture.js';

export function membersContract(f: StoreFixture): void {
  const { now, newUser, users, group, send, expectAppError } = f;
  describe('members', () => {
    it('adds members at the current seq and skips current members', async () => {
      const [owner, a, b] = await users(3);
      const room = await group(owner!, [a!]);
      await send(room, owner!);
      await send(room, owner!);
      const added = await f.store.addMembers(room.id, [a!.id, b!.id, b!.id], 'member', now());
      expect(added).toEqual([{ roomId: room.id, userId: b!.id, role: 'member', joinedSeq: 2, lastReadSeq: 2 }]);
      expect(await f.store.getMember(room.id, b!.id)).toEqual(added[0]);
      expect(await f.store.addMembers(room.id, [b!.id], 'admin', now())).toEqual([]);
      expect(await f.store.getMember(room.id, b!.id)).toMatchObject({ role: 'member' });
      expect(await f.store.addMembers(room.id, [], 'member', now())).toEqual([]);
    });

    it('re-adds a former member with a fresh row', async () => {
      const [owner, a] = await users(2);
      const room = await group(owner!, [a!]);
      await f.store.setMemberRole(room.id, a!.id, 'admin');
      await send(room, owner!);
      expect(await f.store.removeMember(room.id, a!.id, now())).toBe(true);
      expect(await f.store.removeMember(room.id, a!.id, now())).toBe(false);
      expect(await f.store.getMember(room.id, a!.id)).toBeUndefined();
      expect((await f.store.listMembers(room.id)).length).toBe(1);
      await send(room, owner!);
      await send(room, owner!);
      const added = await f.store.addMembers(room.id, [a!.id], 'member', now());
      expect(added).toEqual([{ roomId: room.id, userId: a!.id, role: 'member', joinedSeq: 3, lastReadSeq: 3 }]);
      expect(await f.store.getMember(room.id, a!.id)).toEqual(added[0]);
      expect((await f.store.listMembers(room.id)).length).toBe(2);
    });

    it('shows joins, leaves and rejoins made by a second store (process) in its lists and counts', async () => {
      const other = await f.sut.openAnother?.();
      if (!other) return;
      const [owner, a, b] = await users(3);
      const room = await group(owner!, [a!]);
      const count = async () => (await f.store.getRoomForUser(room.id, owner!.id))?.memberCount;
      const members = async () => (await f.store.listMembersOfRooms([room.id])).map((m) => m.userId).sort();
      const roomsOf = async (u: { id: string }) => (await f.store.listRoomsForUser(u.id)).map((v) => v.room.id);
      // Read once before each change, as a process that keeps anything would have it.
      expect([await count(), await members(), await roomsOf(b!)]).toEqual([2, [owner!.id, a!.id].sort(), []]);
      await other.addMembers(room.id, [b!.id], 'member', now());
      expect([await count(), await members(), await roomsOf(b!)]).toEqual([3, [owner!.id, a!.id, b!.id].sort(), [room.id]]);
      expect(await f.store.listRoomIdsForUser(b!.id)).toEqual([room.id]);
      expect(await other.removeMember(room.id, a!.id, now())).toBe(true);
      expect([await count(), await members(), await roomsOf(a!)]).toEqual([2, [owner!.id, b!.id].sort(), []]);
      expect(await f.store.listRoomIdsForUser(a!.id)).toEqual([]);
      await other.addMembers(room.id, [a!.id], 'member', now());
      expect([await count(), await members(), await roomsOf(a!)]).toEqual([3, [owner!.id, a!.id, b!.id].sort(), [room.id]]);
    });

    it('reports unknown rooms and members', async () => {
      const [owner, a] = await users(2);
      const room = await group(owner!);
      await expectAppError(f.store.addMembers(randomUUID(), [a!.id], 'member', now()), 'not_found');
      await expectAppError(f.store.addMembers(room.id, [randomUUID()], 'member', now()), 'not_found');
      await expectAppError(f.store.setMemberRole(room.id, a!.id, 'admin'), 'not_found');
      expect(await f.store.removeMember(room.id, a!.id, now())).toBe(false);
      expect(await f.store.getMember(randomUUID(), a!.id)).toBeUndefined();
    });

    it('changes roles', async () => {
      const [owner, a] = await users(2);
      const room = await group(owner!, [a!]);
      expect(await f.store.setMemberRole(room.id, a!.id, 'admin')).toEqual({
        roomId: room.id,
        userId: a!.id,
        role: 'admin',
        joinedSeq: 0,
        lastReadSeq: 0,
      });
      expect((await f.store.getMember(room.id, a!.id))?.role).toBe('admin');
    });

    it('lists the rooms of a user, current memberships only', async () => {
      const [me, a, b, c, d] = await users(5);
      const r1 = await group(me!, [a!, b!]);
      const r2 = await group(c!, [me!, a!]);
      const r3 = await group(me!, [d!]);
      await group(a!, [b!, c!, d!]);
      await f.store.removeMember(r3.id, me!.id, now());
      await f.store.removeMember(r2.id, c!.id, now());
      expect((await f.store.listRoomIdsForUser(me!.id)).sort()).toEqual([r1.id, r2.id].sort());
      expect(await f.store.listRoomIdsForUser((await newUser()).id)).toEqual([]);
    });

    it('lists the current members of several rooms at once', async () => {
      const [me, a, b] = await users(3);
      const r1 = await group(me!, [a!]);
      const r2 = await group(b!, [me!]);
      await f.store.removeMember(r1.id, a!.id, now());
      const rows = await f.store.listMembersOfRooms([r1.id, r2.id]);
      expect(rows.map((m) => `${m.roomId}:${m.userId}`).sort()).toEqual(
        [`${r1.id}:${me!.id}`, `${r2.id}:${b!.id}`, `${r2.id}:${me!.id}`].sort(),
      );
      expect(rows.find((m) => m.roomId === r2.id && m.userId === b!.id)).toMatchObject({ role: 'owner', joinedSeq: 0, lastReadSeq: 0 });
      expect(await f.store.listMembersOfRooms([])).toEqual([]);
    });
  });
}
