import type { Store } from '../../ports/store.js';
import type { StoreContext } from './store-context.js';

export type UserSessionStore = Pick<Store, 'revokeUserRefreshTokens'>;

export function createUserSessionStore({ db }: StoreContext): UserSessionStore {
  return {
    async revokeUserRefreshTokens(userId) {
      await db.deleteFrom('refresh_tokens').where('user_id', '=', userId).execute();
    },
  };
}
