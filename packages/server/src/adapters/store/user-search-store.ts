import { sql } from 'kysely';
import type { Store } from '../../ports/store.js';
import { toUser } from './row-mappers.js';
import type { StoreContext } from './store-context.js';

export type UserSearchStore = Pick<Store, 'searchUsers'>;

/** `%`, `_` and the escape character itself are literal in a user's query. */
function likePrefix(query: string): string {
  return `${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Prefix search over the username key (lowercased, uniquely indexed) and the display name,
 * case-insensitively (SQLite's lower() folds ASCII only; Hangul has no case). Paged by
 * username key: it is unique, so `afterKey` resumes exactly where the last page stopped.
 * SQLite has no default LIKE escape character, so both dialects name it.
 */
export function createUserSearchStore({ db }: StoreContext): UserSearchStore {
  return {
    async searchUsers({ query, limit, afterKey }) {
      const pattern = likePrefix(query.toLowerCase());
      let q = db
        .selectFrom('users')
        .selectAll()
        .where(sql<boolean>`(username_key like ${pattern} escape '\\' or lower(display_name) like ${pattern} escape '\\')`);
      if (afterKey !== undefined) q = q.where('username_key', '>', afterKey);
      const rows = await q.orderBy('username_key').limit(limit).execute();
      return rows.map(toUser);
    },
  };
}
