import type { Store } from '../../ports/store.js';
import { forbidden } from '../../errors.js';
import { can } from '../rooms/permissions.js';
import { parseMentions } from './mention-parser.js';

export type MentionResolver = ReturnType<typeof createMentionResolver>;

/**
 * Turns a body's `@name`s into the ids of current members, stored with the message; `@all`
 * (group rooms, owners and admins only) mentions everyone. A body without `@` costs nothing.
 */
export function createMentionResolver({ store }: { store: Store }) {
  return {
    async resolve(roomId: string, senderId: string, body: string): Promise<{ mentions: string[]; mentionsAll: boolean }> {
      if (!body.includes('@')) return { mentions: [], mentionsAll: false };
      const { usernames, all } = parseMentions(body);
      let mentionsAll = false;
      if (all) {
        const [room, member] = await Promise.all([store.getRoom(roomId), store.getMember(roomId, senderId)]);
        // A non-member's send fails in the insert with not_found; do not answer forbidden first.
        if (room?.kind === 'group' && member) {
          if (!can(member.role, 'mentionAll')) throw forbidden('only owners and admins may mention @all');
          mentionsAll = true;
        }
      }
      const ids = usernames.length ? await store.resolveMentionedMembers(roomId, usernames) : [];
      return { mentions: ids.filter((id) => id !== senderId), mentionsAll };
    },
  };
}
