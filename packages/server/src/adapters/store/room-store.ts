import { randomUUID } from 'node:crypto';
import { notFound } from '../../errors.js';
import type { RoomRecord, Store } from '../../ports/store.js';
import { isForeignKeyViolation } from './db-errors.js';
import { toRoom } from './row-mappers.js';
import type { MembersTable } from './schema.js';
import { inChunks, type StoreContext } from './store-context.js';

export type RoomStore = Pick<Store, 'createRoom' | 'getOrCreateDirectRoom' | 'getRoom' | 'updateRoom'>;

/** The key that makes a pair's direct room unique, whichever side asks. */
export function directKey(userA: string, userB: string): string {
  return userA < userB ? `${userA}:${userB}` : `${userB}:${userA}`;
}

export function createRoomStore({ db }: StoreContext): RoomStore {
  const getRoom: RoomStore['getRoom'] = async (id) => {
    const row = await db.selectFrom('rooms').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRoom(row);
  };

  const memberRow = (roomId: string, userId: string, role: string, now: string): MembersTable => ({
    room_id: roomId,
    user_id: userId,
    role,
    joined_seq: 0,
    last_read_seq: 0,
    joined_at: now,
    left_at: null,
  });

  const findDirect = async (key: string): Promise<RoomRecord | undefined> => {
    const row = await db.selectFrom('rooms').selectAll().where('direct_key', '=', key).executeTakeFirst();
    return row && toRoom(row);
  };

  return {
    async createRoom(input) {
      const room = {
        id: randomUUID(),
        kind: input.kind,
        name: input.name,
        avatar_url: null,
        last_seq: 0,
        direct_key: null,
        created_at: input.now,
      };
      const others = [...new Set(input.memberIds)].filter((id) => id !== input.creatorId);
      const members = [
        memberRow(room.id, input.creatorId, 'owner', input.now),
        ...others.map((id) => memberRow(room.id, id, 'member', input.now)),
      ];
      try {
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('rooms').values(room).execute();
          await inChunks(members, async (part) => void (await trx.insertInto('members').values(part).execute()), 7);
        });
      } catch (err) {
        if (isForeignKeyViolation(err)) throw notFound('user');
        throw err;
      }
      return toRoom(room);
    },

    async getOrCreateDirectRoom({ userA, userB, now }) {
      const key = directKey(userA, userB);
      const existing = await findDirect(key);
      if (existing) return { room: existing, created: false };
      let created: RoomRecord | undefined;
      try {
        created = await db.transaction().execute(async (trx) => {
          // A racing creator makes this insert a no-op (on PostgreSQL it waits for the
          // other transaction first), and the loser reads the winner's room below.
          const row = await trx
            .insertInto('rooms')
            .values({
              id: randomUUID(),
              kind: 'direct',
              name: '',
              avatar_url: null,
              last_seq: 0,
              direct_key: key,
              created_at: now,
            })
            .onConflict((oc) => oc.column('direct_key').doNothing())
            .returningAll()
            .executeTakeFirst();
          if (!row) return undefined;
          const ids = [...new Set([userA, userB])];
          await trx
            .insertInto('members')
            .values(ids.map((id) => memberRow(row.id, id, 'member', now)))
            .execute();
          return toRoom(row);
        });
      } catch (err) {
        if (isForeignKeyViolation(err)) throw notFound('user');
        throw err;
      }
      if (created) return { room: created, created: true };
      const winner = await findDirect(key);
      if (!winner) throw new Error(`direct room ${key} vanished while being created`);
      return { room: winner, created: false };
    },

    getRoom,

    async updateRoom(id, patch) {
      const set: { name?: string; avatar_url?: string | null; description?: string | null } = {};
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.description !== undefined) set.description = patch.description;
      if (patch.avatarUrl !== undefined) set.avatar_url = patch.avatarUrl;
      if (Object.keys(set).length === 0) {
        const room = await getRoom(id);
        if (!room) throw notFound('room');
        return room;
      }
      const row = await db.updateTable('rooms').set(set).where('id', '=', id).returningAll().executeTakeFirst();
      if (!row) throw notFound('room');
      return toRoom(row);
    },
  };
}
