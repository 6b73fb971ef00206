import type { UpdateMeBody, User, UserSearchQuery } from '@chatchat/protocol';
import type { Store } from '../../ports/store.js';
import type { EventPublisher } from '../../realtime/event-publisher.js';
import { notFound } from '../../errors.js';
import { cleanPatch } from '../patch-fields.js';
import { toPublicUser } from '../auth/auth-service.js';
import { searchUserDirectory } from './user-directory.js';

export type ProfileService = ReturnType<typeof createProfileService>;

export function createProfileService({ store, events }: { store: Store; events: EventPublisher }) {
  return {
    async get(userId: string): Promise<User> {
      const user = await store.getUser(userId);
      if (!user) throw notFound('user');
      return toPublicUser(user);
    },

    async getMany(ids: readonly string[]): Promise<User[]> {
      return (await store.getUsers(ids)).map(toPublicUser);
    },

    search: (query: UserSearchQuery) => searchUserDirectory(store, query),

    /** Everyone who shares a room with the user, and the user's other devices, see the change live. */
    async update(userId: string, patch: UpdateMeBody): Promise<User> {
      const clean = cleanPatch(patch, 'displayName');
      const user = toPublicUser(await store.updateUser(userId, clean));
      await events.toPeers(userId, await store.listRoomIdsForUser(userId), 'user.updated', { user });
      return user;
    },
  };
}
