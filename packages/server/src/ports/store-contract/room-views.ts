import { randomUUID } from 'node:crypto';
import { Limits } from '@chatchat/protocol';
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
      // `extras` is an adapter's shortcut, checked against roomExtras below.
      const { extras: _, ...busyCore } = busyView!;
      expect(busyCore).toEqual({
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

    it("carries the viewer's extras, when it does, exactly as roomExtras tells them", async () => {
      const [me, a] = await users(2);
      const plain = await group(a!, [me!], 'plain');
      const mentioned = await group(a!, [me!], 'mentioned');
      const readPast = await group(a!, [me!], 'read past');
      const pinned = await group(a!, [me!], 'pinned');
      const allOfUs = await group(a!, [me!], 'all of us');
      await f.store.setRoomSettings(plain.id, me!.id, { notify: 'mentions', muteUntil: '2099-01-01T00:00:00.000Z' });
      await send(plain, a!);
      await send(mentioned, a!, { mentions: [me!.id] });
      const old = await send(readPast, a!, { mentions: [me!.id] });
      await f.store.advanceReadPointer(readPast.id, me!.id, old.message.seq);
      const toPin = await send(pinned, a!);
      await f.store.addPin({ roomId: pinned.id, messageId: toPin.message.id, seq: toPin.message.seq, userId: a!.id, now: now(), max: 10 });
      // My own @all is no mention of me; theirs is.
      await send(allOfUs, me!, { mentionsAll: true });
      await send(allOfUs, a!, { mentionsAll: true });

      const views = await f.store.listRoomsForUser(me!.id);
      expect(views).toHaveLength(5);
      const told = await f.store.roomExtras(
        me!.id,
        views.map((v) => v.room.id),
        Limits.maxMentionSeqs,
      );
      for (const v of views) if (v.extras) expect(v.extras).toEqual(told.get(v.room.id));
      if (f.sut.viewsCarryExtras) {
        const carried = views.filter((v) => v.extras).map((v) => v.room.id);
        expect(new Set(carried)).toEqual(new Set([plain.id, readPast.id]));
      }
      expect(told.get(plain.id)).toMatchObject({ notify: 'mentions', mentionCount: 0 });
      expect(told.get(mentioned.id)).toMatchObject({ mentionCount: 1 });
      expect(told.get(readPast.id)).toMatchObject({ mentionCount: 0 });
      expect(told.get(pinned.id)?.pins).toHaveLength(1);
      expect(told.get(allOfUs.id)).toMatchObject({ mentionCount: 1 });
      const one = await f.store.getRoomForUser(plain.id, me!.id);
      if (one?.extras) expect(one.extras).toEqual(told.get(plain.id));
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
