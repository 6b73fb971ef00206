import { sql } from 'kysely';
import type { Pin } from '@chatchat/protocol';
import { notFound } from '../../errors.js';
import type { ConversationStore, RoomExtras } from '../../ports/conversation-store.js';
import { settingsOnly, toMessage, toRoomSettings } from './row-mappers.js';
import type { StoreContext } from './store-context.js';
import { inChunks } from './in-chunks.js';

export type RoomExtrasStore = Pick<ConversationStore, 'setRoomSettings' | 'roomExtras' | 'resolveMentionedMembers'>;

/**
 * A member's settings, mention counts and the room's pins. Mention counts are derived from the
 * read pointer like unread counts: mentions above `last_read_seq` (and above `joined_seq`, so a
 * returning member does not inherit old ones) of messages not deleted.
 */
export function createRoomExtrasStore({ db }: StoreContext): RoomExtrasStore {
  return {
    async resolveMentionedMembers(roomId, usernames) {
      const keys = [...new Set(usernames.map((u) => u.toLowerCase()))];
      if (keys.length === 0) return [];
      const rows = await db
        .selectFrom('users as u')
        .innerJoin('members as m', 'm.user_id', 'u.id')
        .select('u.id')
        .where('m.room_id', '=', roomId)
        .where('m.left_at', 'is', null)
        .where('u.username_key', 'in', keys)
        .execute();
      return rows.map((r) => r.id);
    },

    async setRoomSettings(roomId, userId, settings) {
      const row = await db
        .updateTable('members')
        .set({ notify: settings.notify, mute_until: settings.muteUntil })
        .where('room_id', '=', roomId)
        .where('user_id', '=', userId)
        .where('left_at', 'is', null)
        .returning(['notify', 'mute_until'])
        .executeTakeFirst();
      if (!row) throw notFound('member');
      return toRoomSettings(row);
    },

    async roomExtras(userId, roomIds, mentionSeqLimit) {
      const out = new Map<string, RoomExtras>();
      const ids = [...new Set(roomIds)];
      await inChunks(ids, async (part) => {
        const [settings, mentions, pins] = await Promise.all([
          db
            .selectFrom('members')
            .select(['room_id', 'notify', 'mute_until'])
            .where('user_id', '=', userId)
            .where('left_at', 'is', null)
            .where('room_id', 'in', part)
            .execute(),
          sql<{ room_id: string; seq: number | string; n: number | string }>`
            select room_id, seq, n from (
              select x.room_id, x.seq,
                row_number() over (partition by x.room_id order by x.seq desc) as rn,
                count(*) over (partition by x.room_id) as n
              from members m
              join mentions x on x.room_id = m.room_id and x.user_id in (m.user_id, '*')
                and x.seq > m.last_read_seq and x.seq > m.joined_seq
              join messages msg on msg.room_id = x.room_id and msg.seq = x.seq and msg.deleted_at is null
                and msg.sender_id <> m.user_id
              where m.user_id = ${userId} and m.left_at is null and m.room_id in (${sql.join(part)})
            ) t where rn <= ${mentionSeqLimit}`.execute(db),
          db
            .selectFrom('pins as p')
            .innerJoin('messages as msg', 'msg.id', 'p.message_id')
            .selectAll('msg')
            .select(['p.pinned_by', 'p.pinned_at'])
            .where('p.room_id', 'in', part)
            .where('msg.deleted_at', 'is', null)
            .orderBy('p.pinned_at', 'desc')
            .orderBy('p.message_id')
            .execute(),
        ]);
        for (const s of settings) {
          out.set(s.room_id, settingsOnly(s));
        }
        for (const r of mentions.rows) {
          const e = out.get(r.room_id);
          if (!e) continue;
          e.mentionCount = Number(r.n);
          e.mentionSeqs.push(Number(r.seq));
        }
        for (const r of pins) {
          const pin: Pin = { messageId: r.id, seq: Number(r.seq), pinnedBy: r.pinned_by, pinnedAt: r.pinned_at, message: toMessage(r) };
          out.get(r.room_id)?.pins.push(pin);
        }
      });
      for (const e of out.values()) e.mentionSeqs.sort((a, b) => a - b);
      return out;
    },
  };
}
