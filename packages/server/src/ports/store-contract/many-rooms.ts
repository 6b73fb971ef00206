import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { UserRecord } from '../store.js';
import type { StoreFixture } from './fixture.js';

/** Past SQLite's 32,766 bound parameters: one unsplit `in (...)` over these rooms fails. */
const DEFAULT_ROOMS = 33_000;

export function manyRoomsContract(f: StoreFixture): void {
  describe('a user in very many rooms (33,000 unless the adapter says otherwise)', () => {
    let ROOMS = DEFAULT_ROOMS;
    /** Past PostgreSQL's 65,535 bound parameters (at the default), for lists that may name unknown ids. */
    let IDS = 2 * DEFAULT_ROOMS;
    let victim: UserRecord;
    let inviter: UserRecord;
    let rooms: Array<{ id: string }>;

    beforeAll(async () => {
      ROOMS = f.sut.manyRooms ?? DEFAULT_ROOMS;
      IDS = 2 * ROOMS;
      const [a, b] = await f.users(2);
      victim = a!;
      inviter = b!;
      const seed = { ownerId: inviter.id, memberId: victim.id, count: ROOMS, now: f.now() };
      if (f.sut.seedRooms) rooms = (await f.sut.seedRooms(seed)).map((id) => ({ id }));
      else {
        rooms = [];
        const next = { i: 0 };
        await Promise.all(
          Array.from({ length: 32 }, async () => {
            for (; next.i < ROOMS; next.i++) rooms.push(await f.group(inviter, [victim]));
          }),
        );
      }
    }, 600_000);

    it('builds the snapshot: room views, room ids, members of every room', async () => {
      const views = await f.store.listRoomsForUser(victim.id);
      expect(views).toHaveLength(ROOMS);
      expect(new Set(views.map((v) => v.room.id)).size).toBe(ROOMS);
      expect(views.every((v) => v.memberCount === 2 && v.member.userId === victim.id)).toBe(true);
      expect(await f.store.listRoomIdsForUser(victim.id)).toHaveLength(ROOMS);
      const members = await f.store.listMembersOfRooms(rooms.map((r) => r.id));
      expect(members).toHaveLength(2 * ROOMS);
      // Still grouped by room, whatever the chunking.
      const order = members.map((m) => m.roomId);
      expect(order).toEqual([...order].sort());
      expect(await f.store.getRoomForUser(rooms[ROOMS - 1]!.id, victim.id)).toMatchObject({ memberCount: 2 });
    }, 120_000);

    it('answers id lists longer than any parameter limit', async () => {
      const unknown = Array.from({ length: IDS - ROOMS }, () => randomUUID());
      const members = await f.store.listMembersOfRooms([...rooms.map((r) => r.id), ...unknown]);
      expect(members).toHaveLength(2 * ROOMS);
      const users = await f.store.getUsers([victim.id, ...Array.from({ length: IDS }, () => randomUUID()), inviter.id]);
      expect(users.map((u) => u.id).sort()).toEqual([victim.id, inviter.id].sort());
    }, 120_000);

    it('adds and creates with member lists longer than any parameter limit', async () => {
      // 1,500 at the default (10,500 parameters), fewer where the adapter asked for fewer rooms.
      const n = Math.min(1_500, Math.floor(ROOMS / 10));
      const many = await Promise.all(Array.from({ length: n }, (_, i) => f.newUser(`m${i}`)));
      // 7 columns per member row: 1,500 rows are 10,500 parameters in one unsplit insert.
      const room = await f.store.createRoom({
        kind: 'group',
        name: 'big',
        creatorId: inviter.id,
        memberIds: many.map((u) => u.id),
        now: f.now(),
      });
      expect(await f.store.listMembers(room.id)).toHaveLength(n + 1);
      const other = await f.group(inviter);
      expect(
        await f.store.addMembers(
          other.id,
          many.map((u) => u.id),
          'member',
          f.now(),
        ),
      ).toHaveLength(n);
    }, 120_000);
  });
}
