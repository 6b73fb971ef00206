import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { StoreFixture } from './fixture.js';

export function refreshTokensContract(f: StoreFixture): void {
  const { now, newUser } = f;
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
      await f.store.insertRefreshToken(row);
      expect(await f.store.useRefreshToken(row.tokenHash, now())).toEqual({ status: 'ok', row });
      expect(await f.store.useRefreshToken(row.tokenHash, now())).toEqual({ status: 'reused', row });
      expect(await f.store.useRefreshToken(randomUUID(), now())).toEqual({ status: 'missing' });
    });

    it('gives ok to exactly one of many concurrent uses', async () => {
      const u = await newUser();
      const row = token(u.id);
      await f.store.insertRefreshToken(row);
      const results = await Promise.all(Array.from({ length: 20 }, () => f.store.useRefreshToken(row.tokenHash, now())));
      expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'reused')).toHaveLength(19);
    });

    it('revokes a whole family and nothing else', async () => {
      const u = await newUser();
      const family = randomUUID();
      const first = token(u.id, family);
      const second = token(u.id, family);
      const other = token(u.id);
      for (const r of [first, second, other]) await f.store.insertRefreshToken(r);
      await f.store.useRefreshToken(first.tokenHash, now());
      await f.store.revokeRefreshFamily(family);
      expect((await f.store.useRefreshToken(second.tokenHash, now())).status).not.toBe('ok');
      expect((await f.store.useRefreshToken(first.tokenHash, now())).status).not.toBe('ok');
      expect((await f.store.useRefreshToken(other.tokenHash, now())).status).toBe('ok');
    });
  });
}
