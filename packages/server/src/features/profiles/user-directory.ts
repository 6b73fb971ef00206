import { Limits, type UserSearchQuery, type UserSearchResponse } from '@chatchat/protocol';
import type { Store } from '../../ports/store.js';
import { AppError } from '../../errors.js';
import { toPublicUser } from '../auth/auth-service.js';

/** Default page size of the user directory; `Limits.maxUserSearchPage` caps what a client may ask. */
export const defaultUserSearchPage = 20;

/** The cursor is the last row's username key, opaque to clients. */
const encodeCursor = (key: string) => Buffer.from(key, 'utf8').toString('base64url');
function decodeCursor(cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!key || encodeCursor(key) !== cursor) throw new AppError('invalid', 'bad cursor');
  return key;
}

/** Anyone signed in may look people up to start a chat or invite them, as in every messenger. */
export async function searchUserDirectory(store: Store, input: UserSearchQuery): Promise<UserSearchResponse> {
  const query = input.query.trim();
  if (!query) throw new AppError('invalid', 'query must not be blank');
  const limit = Math.min(input.limit ?? defaultUserSearchPage, Limits.maxUserSearchPage);
  const afterKey = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
  // One extra row tells whether another page exists without a second query.
  const rows = await store.searchUsers({ query, limit: limit + 1, ...(afterKey !== undefined ? { afterKey } : {}) });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    users: page.map(toPublicUser),
    nextCursor: rows.length > limit && last ? encodeCursor(last.username.toLowerCase()) : null,
  };
}
