import { randomUUID } from 'node:crypto';
import { AppError, notFound } from '../../errors.js';
import type { Store } from '../../ports/store.js';
import { isUniqueViolation } from './db-errors.js';
import { toUser } from './row-mappers.js';
import { inChunks, type StoreContext } from './store-context.js';

export type UserStore = Pick<Store, 'createUser' | 'findUserByUsername' | 'getUser' | 'getUsers' | 'updateUser' | 'setPlatformAdmin'>;

export const usernameKey = (username: string): string => username.toLowerCase();

export function createUserStore({ db }: StoreContext): UserStore {
  const getUser: UserStore['getUser'] = async (id) => {
    const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  };

  return {
    async createUser(input) {
      const row = {
        id: randomUUID(),
        username: input.username,
        username_key: usernameKey(input.username),
        display_name: input.displayName,
        avatar_url: null,
        status_message: null,
        password_hash: input.passwordHash,
        is_platform_admin: 0,
        created_at: input.now,
      };
      try {
        await db.insertInto('users').values(row).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError('conflict', 'username is taken');
        throw err;
      }
      return toUser(row);
    },

    async findUserByUsername(username) {
      const row = await db.selectFrom('users').selectAll().where('username_key', '=', usernameKey(username)).executeTakeFirst();
      return row && toUser(row);
    },

    getUser,

    async getUsers(ids) {
      const rows = await inChunks([...new Set(ids)], (part) => db.selectFrom('users').selectAll().where('id', 'in', part).execute());
      return rows.map(toUser);
    },

    async updateUser(id, patch) {
      const set: { display_name?: string; avatar_url?: string | null; status_message?: string | null } = {};
      if (patch.displayName !== undefined) set.display_name = patch.displayName;
      if (patch.avatarUrl !== undefined) set.avatar_url = patch.avatarUrl;
      if (patch.statusMessage !== undefined) set.status_message = patch.statusMessage;
      if (Object.keys(set).length === 0) {
        const user = await getUser(id);
        if (!user) throw notFound('user');
        return user;
      }
      const row = await db.updateTable('users').set(set).where('id', '=', id).returningAll().executeTakeFirst();
      if (!row) throw notFound('user');
      return toUser(row);
    },

    async setPlatformAdmin(userId, isAdmin) {
      const res = await db
        .updateTable('users')
        .set({ is_platform_admin: isAdmin ? 1 : 0 })
        .where('id', '=', userId)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw notFound('user');
    },
  };
}
