import type { UserSearchStore } from '../user-search-store.js';
import { type Collections, toUser } from './mongo-documents.js';

/** Every regex metacharacter of the user's query is literal. */
const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Prefix search on the lowercased username key and the display name (case-insensitive
 * regex: MongoDB, DocumentDB and FerretDB all support `$regex` with the `i` option), paged
 * by the unique username key like the SQL stores.
 */
export function createMongoUserSearchStore(c: Collections): UserSearchStore {
  return {
    async searchUsers({ query, limit, afterKey }) {
      const prefix = `^${escapeRegex(query.toLowerCase())}`;
      const docs = await c.users
        .find({
          $or: [{ usernameKey: { $regex: prefix } }, { displayName: { $regex: prefix, $options: 'i' } }],
          ...(afterKey !== undefined ? { usernameKey: { $gt: afterKey } } : {}),
        })
        .sort({ usernameKey: 1 })
        .limit(limit)
        .toArray();
      return docs.map(toUser);
    },
  };
}
