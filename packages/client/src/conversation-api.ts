import { Limits, type NotifyLevel, type OpReply, type ReactionCount } from '@chatchat/protocol';
import { applyEvent } from './chat-state.js';
import { applyReactionCounts } from './conversation-state.js';
import type { ClientContext } from './client-context.js';

export interface SearchOptions {
  /** Only this room. */
  roomId?: string;
  /** The previous page's `nextBefore`. */
  before?: string;
  /** Default 20, at most Limits.maxSearchPage. */
  limit?: number;
}

/** Reactions, pins, search and my room settings: requests whose replies also update the state. */
export interface ConversationApi {
  /** Adds my reaction; resolves with the message's counts as I see them. */
  react(messageId: string, emoji: string): Promise<readonly ReactionCount[]>;
  unreact(messageId: string, emoji: string): Promise<readonly ReactionCount[]>;
  /** Who reacted with what (not kept in the state). */
  whoReacted(messageId: string): Promise<OpReply<'reaction.list'>['reactions']>;
  search(query: string, options?: SearchOptions): Promise<OpReply<'message.search'>>;
  pin(messageId: string): Promise<void>;
  unpin(messageId: string): Promise<void>;
  /** My notification level for the room, and mute until a time (ISO) or null; live on my other devices. */
  setRoomSettings(roomId: string, settings: { notify: NotifyLevel; muteUntil?: string | null }): Promise<void>;
}

export function createConversationApi(ctx: ClientContext): ConversationApi & {
  /** Reloads the counts of every loaded message of the room (after a reconnect: changes while away). */
  refreshReactions(roomId: string): Promise<void>;
} {
  function applyCounts(reply: OpReply<'reaction.add'>): readonly ReactionCount[] {
    const { roomId, messageId, reactions } = reply;
    ctx.setState({ ...ctx.state, reactions: applyReactionCounts(ctx.state.reactions, roomId, [messageId], [{ messageId, reactions }]) });
    return reactions;
  }

  return {
    react: async (messageId, emoji) => applyCounts(await ctx.transport.request('reaction.add', { messageId, emoji })),
    unreact: async (messageId, emoji) => applyCounts(await ctx.transport.request('reaction.remove', { messageId, emoji })),
    whoReacted: async (messageId) => (await ctx.transport.request('reaction.list', { messageId })).reactions,
    search: (query, options = {}) => ctx.transport.request('message.search', { query, ...options }),
    // Replies carry what the matching events carry: applied the same way, before the event comes.
    async pin(messageId) {
      const data = await ctx.transport.request('pin.add', { messageId });
      ctx.setState(applyEvent(ctx.state, { ev: 'pin.added', data }, ctx.now()));
    },
    async unpin(messageId) {
      const data = await ctx.transport.request('pin.remove', { messageId });
      const byUserId = ctx.state.me?.id ?? '';
      ctx.setState(applyEvent(ctx.state, { ev: 'pin.removed', data: { ...data, byUserId } }, ctx.now()));
    },
    async setRoomSettings(roomId, settings) {
      const data = await ctx.transport.request('room.settings', { roomId, ...settings });
      ctx.setState(applyEvent(ctx.state, { ev: 'room.settings', data }, ctx.now()));
    },
    async refreshReactions(roomId) {
      const ids = (ctx.state.windows[roomId]?.messages ?? []).filter((m) => !m.deletedAt).map((m) => m.id);
      for (let i = 0; i < ids.length; i += Limits.maxHistoryPage) {
        const part = ids.slice(i, i + Limits.maxHistoryPage);
        const reply = await ctx.transport.request('reaction.counts', { roomId, messageIds: part });
        ctx.setState({ ...ctx.state, reactions: applyReactionCounts(ctx.state.reactions, roomId, part, reply.reactions) });
      }
    },
  };
}
