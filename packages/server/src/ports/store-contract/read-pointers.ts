import { describe, expect, it } from 'vitest';
import type { StoreFixture } from './fixture.js';

export function readPointersContract(f: StoreFixture): void {
  const { users, group, send, expectAppError } = f;
  describe('read pointers', () => {
    it('moves forward only and returns the pointer', async () => {
      const [owner, reader] = await users(2);
      const room = await group(owner!, [reader!]);
      for (let i = 0; i < 5; i++) await send(room, owner!);
      expect(await f.store.advanceReadPointer(room.id, reader!.id, 3)).toBe(3);
      expect(await f.store.advanceReadPointer(room.id, reader!.id, 2)).toBe(3);
      expect(await f.store.advanceReadPointer(room.id, reader!.id, 3)).toBe(3);
      expect(await f.store.advanceReadPointer(room.id, reader!.id, 5)).toBe(5);
      expect((await f.store.getMember(room.id, reader!.id))?.lastReadSeq).toBe(5);
      // Own sends never pull the pointer back either.
      expect(await f.store.advanceReadPointer(room.id, owner!.id, 1)).toBe(5);
    });

    it('ends at the highest of racing updates and never passes the last seq', async () => {
      const [owner, reader] = await users(2);
      const room = await group(owner!, [reader!]);
      for (let i = 0; i < 20; i++) await send(room, owner!);
      await Promise.all(Array.from({ length: 20 }, (_, i) => f.store.advanceReadPointer(room.id, reader!.id, 20 - i)));
      expect((await f.store.getMember(room.id, reader!.id))?.lastReadSeq).toBe(20);
      expect(await f.store.advanceReadPointer(room.id, reader!.id, 999)).toBe(20);
      expect(await f.store.advanceReadPointer(room.id, reader!.id, 1e308)).toBe(20);
    });

    it('reports a non-member', async () => {
      const [owner, stranger] = await users(2);
      const room = await group(owner!);
      await expectAppError(f.store.advanceReadPointer(room.id, stranger!.id, 1), 'not_found');
    });
  });
}
