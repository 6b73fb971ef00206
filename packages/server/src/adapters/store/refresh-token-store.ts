import type { Store } from '../../ports/store.js';
import { toRefreshToken } from './row-mappers.js';
import type { StoreContext } from './store-context.js';

export type RefreshTokenStore = Pick<Store, 'insertRefreshToken' | 'useRefreshToken' | 'revokeRefreshFamily'>;

export function createRefreshTokenStore({ db }: StoreContext): RefreshTokenStore {
  return {
    async insertRefreshToken(row) {
      await db
        .insertInto('refresh_tokens')
        .values({
          token_hash: row.tokenHash,
          user_id: row.userId,
          family_id: row.familyId,
          expires_at: row.expiresAt,
          created_at: row.createdAt,
          used_at: null,
        })
        .execute();
    },

    async useRefreshToken(tokenHash, now) {
      // The conditional update is the atomic test-and-set: of two racing callers only
      // one sees used_at still null.
      const used = await db
        .updateTable('refresh_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      if (used) return { status: 'ok', row: toRefreshToken(used) };
      const existing = await db.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return existing ? { status: 'reused', row: toRefreshToken(existing) } : { status: 'missing' };
    },

    async revokeRefreshFamily(familyId) {
      // Revoked tokens are gone: presenting one afterwards reads as 'missing'.
      await db.deleteFrom('refresh_tokens').where('family_id', '=', familyId).execute();
    },
  };
}
