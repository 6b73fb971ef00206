import { sql } from 'kysely';
import { notFound } from '../../errors.js';
import type { MemberRecord, Store } from '../../ports/store.js';
import { isForeignKeyViolation } from './db-errors.js';
import { MAX_SEQ } from './message-store.js';
import { toMember } from './row-mappers.js';
import { inChunks, lockRoom, type StoreContext } from './store-context.js';

export type MemberStore = Pick<
  Store,
  | 'getMember'
  | 'listMembers'
  | 'listMembersOfRooms'
  | 'listRoomIdsForUser'
  | 'addMembers'
  | 'removeMember'
  | 'setMemberRole'
  | 'advanceReadPointer'
>;

const memberColumns = ['room_id', 'user_id', 'role', 'joined_seq', 'last_read_seq'] as const;

export function createMemberStore({ db, dialect }: StoreContext): MemberStore {
  const getMember: MemberStore['getMember'] = async (roomId, userId) => {
    const row = await db
      .selectFrom('members')
      .select(memberColumns)
      .where('room_id', '=', roomId)
      .where('user_id', '=', userId)
      .where('left_at', 'is', null)
      .executeTakeFirst();
    return row && toMember(row);
  };

  /** Current members, grouped by room in join order; one room is just the short list. */
  const listMembersOfRooms: MemberStore['listMembersOfRooms'] = async (roomIds) => {
    // Sorted before chunking, so the parts come back already in room order.
    const ids = [...new Set(roomIds)].sort();
    const rows = await inChunks(ids, (part) =>
      db
        .selectFrom('members')
        .select(memberColumns)
        .where('room_id', 'in', part)
        .where('left_at', 'is', null)
        .orderBy('room_id')
        .orderBy('joined_at')
        .orderBy('user_id')
        .execute(),
    );
    return rows.map(toMember);
  };

  return {
    getMember,

    listMembersOfRooms,

    listMembers: (roomId) => listMembersOfRooms([roomId]),

    async listRoomIdsForUser(userId) {
      const rows = await db.selectFrom('members').select('room_id').where('user_id', '=', userId).where('left_at', 'is', null).execute();
      return rows.map((r) => r.room_id);
    },

    async addMembers(roomId, userIds, role, now) {
      const ids = [...new Set(userIds)];
      try {
        return await db.transaction().execute(async (trx) => {
          // The room row lock (PostgreSQL) keeps last_seq still while we copy it, and
          // serialises two invitations of the same user.
          const room = await lockRoom(trx, dialect, roomId);
          if (!room) throw notFound('room');
          if (ids.length === 0) return [];
          const existing = new Map<string, { left_at: string | null }>();
          const found = await inChunks(ids, (part) =>
            trx.selectFrom('members').select(['user_id', 'left_at']).where('room_id', '=', roomId).where('user_id', 'in', part).execute(),
          );
          for (const r of found) existing.set(r.user_id, r);
          const rejoining = ids.filter((id) => existing.get(id)?.left_at != null);
          const fresh = ids.filter((id) => !existing.has(id));
          const values = { role, joined_seq: room.last_seq, last_read_seq: room.last_seq, joined_at: now, left_at: null };
          await inChunks(rejoining, async (part) => {
            await trx.updateTable('members').set(values).where('room_id', '=', roomId).where('user_id', 'in', part).execute();
          });
          await inChunks(
            fresh,
            async (part) => {
              await trx
                .insertInto('members')
                .values(part.map((userId) => ({ room_id: roomId, user_id: userId, ...values })))
                .execute();
            },
            7,
          );
          const added = new Set([...rejoining, ...fresh]);
          return ids
            .filter((id) => added.has(id))
            .map(
              (userId): MemberRecord => ({
                roomId,
                userId,
                role,
                joinedSeq: room.last_seq,
                lastReadSeq: room.last_seq,
              }),
            );
        });
      } catch (err) {
        if (isForeignKeyViolation(err)) throw notFound('user');
        throw err;
      }
    },

    async removeMember(roomId, userId, now) {
      const res = await db
        .updateTable('members')
        .set({ left_at: now })
        .where('room_id', '=', roomId)
        .where('user_id', '=', userId)
        .where('left_at', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    async setMemberRole(roomId, userId, role) {
      const row = await db
        .updateTable('members')
        .set({ role })
        .where('room_id', '=', roomId)
        .where('user_id', '=', userId)
        .where('left_at', 'is', null)
        .returning(memberColumns)
        .executeTakeFirst();
      if (!row) throw notFound('member');
      return toMember(row);
    },

    async advanceReadPointer(roomId, userId, seq) {
      // Capped at the room's last_seq so that unread (last_seq - last_read_seq) never
      // goes negative, and compared in the WHERE so the pointer only moves forward.
      const wanted = sql<number>`cast(${Math.min(MAX_SEQ, Math.max(0, Math.trunc(seq)))} as bigint)`;
      const cap = sql<number>`(select last_seq from rooms where rooms.id = ${roomId})`;
      const target = sql<number>`case when ${cap} < ${wanted} then ${cap} else ${wanted} end`;
      const moved = await db
        .updateTable('members')
        .set({ last_read_seq: target })
        .where('room_id', '=', roomId)
        .where('user_id', '=', userId)
        .where('left_at', 'is', null)
        .where('last_read_seq', '<', target)
        .returning('last_read_seq')
        .executeTakeFirst();
      if (moved) return Number(moved.last_read_seq);
      const member = await getMember(roomId, userId);
      if (!member) throw notFound('member');
      return member.lastReadSeq;
    },
  };
}
