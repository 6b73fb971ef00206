import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreFixture } from './fixture.js';

export function usersContract(f: StoreFixture): void {
  const { now, newUser, users, expectAppError } = f;
  describe('users', () => {
    it('creates, finds case-insensitively and reads users', async () => {
      const name = `Alice_${randomUUID().slice(0, 8)}`;
      const created = await f.store.createUser({ username: name, displayName: 'Alice', passwordHash: 'h1', now: now() });
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
      expect(await f.store.findUserByUsername(name.toUpperCase())).toEqual(created);
      expect(await f.store.findUserByUsername(name.toLowerCase())).toEqual(created);
      expect(await f.store.getUser(created.id)).toEqual(created);
      expect(await f.store.getUser(randomUUID())).toBeUndefined();
      expect(await f.store.findUserByUsername(`nobody_${randomUUID()}`)).toBeUndefined();
    });

    it('rejects a username taken in another case with conflict', async () => {
      const name = `Carol_${randomUUID().slice(0, 8)}`;
      await f.store.createUser({ username: name, displayName: 'C', passwordHash: 'h', now: now() });
      await expectAppError(
        f.store.createUser({ username: name.toUpperCase(), displayName: 'C2', passwordHash: 'h', now: now() }),
        'conflict',
      );
      await expectAppError(f.store.createUser({ username: name, displayName: 'C3', passwordHash: 'h', now: now() }), 'conflict');
    });

    it('gets many users, ignoring unknown and repeated ids', async () => {
      const [a, b] = await users(2);
      const got = await f.store.getUsers([a!.id, b!.id, a!.id, randomUUID()]);
      expect(got.map((u) => u.id).sort()).toEqual([a!.id, b!.id].sort());
      expect(await f.store.getUsers([])).toEqual([]);
    });

    it('updates profile fields and the platform admin flag', async () => {
      const u = await newUser();
      const updated = await f.store.updateUser(u.id, { displayName: 'New', avatarUrl: '/a.png', statusMessage: 'hi' });
      expect(updated).toMatchObject({ id: u.id, displayName: 'New', avatarUrl: '/a.png', statusMessage: 'hi' });
      expect(await f.store.updateUser(u.id, { avatarUrl: null })).toMatchObject({ displayName: 'New', avatarUrl: null });
      expect(await f.store.updateUser(u.id, {})).toMatchObject({ displayName: 'New' });
      await f.store.setPlatformAdmin(u.id, true);
      expect((await f.store.getUser(u.id))?.isPlatformAdmin).toBe(true);
      await f.store.setPlatformAdmin(u.id, false);
      expect((await f.store.getUser(u.id))?.isPlatformAdmin).toBe(false);
      await expectAppError(f.store.updateUser(randomUUID(), { displayName: 'x' }), 'not_found');
      await expectAppError(f.store.setPlatformAdmin(randomUUID(), true), 'not_found');
    });
  });
}
