import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreFixture } from './fixture.js';

export function noticesContract(f: StoreFixture): void {
  const { now, users, group, expectAppError } = f;
  describe('notices and announcements', () => {
    it('keeps one active notice per room', async () => {
      const [owner] = await users(1);
      const room = await group(owner!);
      const t = now();
      const first = await f.store.createNotice({ roomId: room.id, authorId: owner!.id, body: 'first', now: t });
      expect(first).toEqual({ id: expect.any(String), roomId: room.id, authorId: owner!.id, body: 'first', createdAt: t });
      expect(await f.store.getNotice(first.id)).toEqual({ ...first, active: true });
      const second = await f.store.createNotice({ roomId: room.id, authorId: owner!.id, body: 'second', now: now() });
      expect((await f.store.getNotice(first.id))?.active).toBe(false);
      expect((await f.store.getNotice(second.id))?.active).toBe(true);
      expect((await f.store.getRoomForUser(room.id, owner!.id))?.notice).toEqual(second);
      expect(await f.store.deactivateNotice(second.id)).toBe(true);
      expect(await f.store.deactivateNotice(second.id)).toBe(false);
      expect(await f.store.deactivateNotice(first.id)).toBe(false);
      expect((await f.store.getRoomForUser(room.id, owner!.id))?.notice).toBeNull();
      expect(await f.store.getNotice(randomUUID())).toBeUndefined();
      await expectAppError(f.store.createNotice({ roomId: randomUUID(), authorId: owner!.id, body: 'x', now: now() }), 'not_found');
    });

    it('keeps one active notice when notices are posted at once', async () => {
      const [owner] = await users(1);
      const room = await group(owner!);
      const posted = await Promise.all(
        Array.from({ length: 8 }, (_, i) => f.store.createNotice({ roomId: room.id, authorId: owner!.id, body: `n${i}`, now: now() })),
      );
      const states = await Promise.all(posted.map((n) => f.store.getNotice(n.id)));
      expect(states.filter((s) => s?.active)).toHaveLength(1);
    });

    it('lists announcements newest first', async () => {
      const [admin] = await users(1);
      const made = [];
      for (let i = 0; i < 3; i++) made.push(await f.store.createAnnouncement({ authorId: admin!.id, body: `a${i}`, now: now() }));
      expect(made[0]).toEqual({ id: expect.any(String), authorId: admin!.id, body: 'a0', createdAt: expect.any(String) });
      const listed = await f.store.listAnnouncements(2);
      expect(listed).toEqual([made[2], made[1]]);
    });
  });
}
