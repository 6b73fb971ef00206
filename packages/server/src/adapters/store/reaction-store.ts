import type { MessageReactions } from '@chatchat/protocol';
import type { ConversationStore } from '../../ports/conversation-store.js';
import type { StoreContext } from './store-context.js';
import { inChunks } from './in-chunks.js';

export type ReactionStore = Pick<ConversationStore, 'addReaction' | 'removeReaction' | 'reactionCounts' | 'reactionUsers'>;

export function createReactionStore({ db, dialect }: StoreContext): ReactionStore {
  return {
    async addReaction({ roomId, messageId, userId, emoji, now, maxDistinct }) {
      return db.transaction().execute(async (trx) => {
        // PostgreSQL: the message row lock serialises reactors of one message, so the cap holds
        // against concurrent new emoji. SQLite transactions are serial already.
        if (dialect === 'postgres') {
          await trx.selectFrom('messages').select('id').where('id', '=', messageId).forUpdate().executeTakeFirst();
        }
        const emojis = await trx.selectFrom('reactions').select('emoji').distinct().where('message_id', '=', messageId).execute();
        if (!emojis.some((e) => e.emoji === emoji) && emojis.length >= maxDistinct) return 'full' as const;
        const res = await trx
          .insertInto('reactions')
          .values({ message_id: messageId, emoji, user_id: userId, room_id: roomId, created_at: now })
          .onConflict((oc) => oc.columns(['message_id', 'emoji', 'user_id']).doNothing())
          .returning('user_id')
          .executeTakeFirst();
        return res ? ('added' as const) : ('exists' as const);
      });
    },

    async removeReaction(messageId, userId, emoji) {
      const res = await db
        .deleteFrom('reactions')
        .where('message_id', '=', messageId)
        .where('emoji', '=', emoji)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },

    async reactionCounts(roomId, messageIds, viewerId) {
      const byMessage = new Map<string, MessageReactions>();
      await inChunks([...new Set(messageIds)], async (part) => {
        const rows = await db
          .selectFrom('reactions')
          .select((eb) => [
            'message_id',
            'emoji',
            eb.fn.countAll<number | string>().as('n'),
            eb.fn.min('created_at').as('first'),
            eb.fn
              .sum<number | string>(
                eb
                  .case()
                  .when('user_id', '=', viewerId ?? '')
                  .then(1)
                  .else(0)
                  .end(),
              )
              .as('mine'),
          ])
          .where('message_id', 'in', part)
          .where('room_id', '=', roomId)
          .groupBy(['message_id', 'emoji'])
          .orderBy('message_id')
          .orderBy('first')
          .orderBy('emoji')
          .execute();
        for (const r of rows) {
          let entry = byMessage.get(r.message_id);
          if (!entry) byMessage.set(r.message_id, (entry = { messageId: r.message_id, reactions: [] }));
          entry.reactions.push({ emoji: r.emoji, count: Number(r.n), me: Number(r.mine) > 0 });
        }
      });
      return [...byMessage.values()];
    },

    async reactionUsers(messageId) {
      const rows = await db
        .selectFrom('reactions')
        .select(['emoji', 'user_id', 'created_at'])
        .where('message_id', '=', messageId)
        .orderBy('created_at')
        .orderBy('user_id')
        .execute();
      const out = new Map<string, string[]>();
      for (const r of rows) {
        const list = out.get(r.emoji) ?? [];
        list.push(r.user_id);
        out.set(r.emoji, list);
      }
      return [...out].map(([emoji, userIds]) => ({ emoji, userIds }));
    },
  };
}
