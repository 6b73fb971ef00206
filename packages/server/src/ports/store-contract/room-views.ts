import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreFixture } from './fixture.js';

export function roomViewsContract(f: StoreFixture): void {
  const { now, newUser, users, group, send } = f;
  describe('room views', () => {
    it('lists my rooms with read state, last message, notice, peer and member count, newest activity first', async () => {
      const [me, a, b] = await users(3);
      const quiet = await group(me!, [a!], 'quiet');
      const busy = await group(a!, [me!, b!], 'busy');
      const { room: direct } = await f.store.getOrCreateDirectRoom({ userA: me!.id, userB: b!.id, now: now() });
      const left = await group(a!, [me!], 'left');
      await f.store.removeMember(left.id, me!.id, now());

      await send(busy, a!);
      await send(busy, me!);
      const last = await send(busy, b!, { body: 'latest in busy' });
      await f.store.createNotice({ roomId: busy.id, authorId: a!.id, body: 'read me', now: now() });
      const directMsg = await send(direct, b!, { body: 'hi me' });
      // The direct room was created after busy, but busy's last message is newer.
      const newest = await send(busy, a!, { body: 'newest' });

      const views = await f.store.listRoomsForUser(me!.id);
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

      const fromB = await f.store.listRoomsForUser(b!.id);
      expect(fromB.find((v) => v.room.id === direct.id)?.peerId).toBe(me!.id);
      expect(await f.store.listRoomsForUser((await newUser()).id)).toEqual([]);
    });

    it('shows one room as the list would, or nothing to a non-member', async () => {
      const [me, a, stranger] = await users(3);
      const room = await group(a!, [me!]);
      await send(room, a!);
      const fromList = (await f.store.listRoomsForUser(me!.id)).find((v) => v.room.id === room.id);
      expect(await f.store.getRoomForUser(room.id, me!.id)).toEqual(fromList);
      expect(await f.store.getRoomForUser(room.id, stranger!.id)).toBeUndefined();
      await f.store.removeMember(room.id, me!.id, now());
      expect(await f.store.getRoomForUser(room.id, me!.id)).toBeUndefined();
      expect(await f.store.getRoomForUser(randomUUID(), me!.id)).toBeUndefined();
    });

    it('lists many rooms', async () => {
      const [me, a] = await users(2);
      const rooms = await Promise.all(Array.from({ length: 60 }, (_, i) => group(a!, [me!], `r${i}`)));
      await Promise.all(rooms.map((r, i) => send(r, a!, { body: `b${i}` })));
      const views = await f.store.listRoomsForUser(me!.id);
      expect(views).toHaveLength(60);
      for (const v of views) {
        expect(v.lastMessage?.seq).toBe(1);
        expect(v.memberCount).toBe(2);
        expect(v.room.lastSeq - v.member.lastReadSeq).toBe(1);
      }
    });
  });
}
