import { Limits, type OpReply } from '@chatchat/protocol';
import type { Store } from '../../ports/store.js';
import { invalid } from '../../errors.js';
import type { RoomService } from '../rooms/room-service.js';
import { highlight } from './highlight.js';
import { queryTerms } from './search-tokenizer.js';

export type SearchService = ReturnType<typeof createSearchService>;

export interface SearchInput {
  query: string;
  roomId?: string;
  before?: string;
  limit?: number;
}

/** Full-text search over the rooms the user is in; the query is only ever text (see search-tokenizer.ts). */
export function createSearchService({ store, rooms }: { store: Store; rooms: RoomService }) {
  return {
    async search(userId: string, input: SearchInput): Promise<OpReply<'message.search'>> {
      const query = input.query.trim();
      if (query.length === 0) throw invalid('query is empty');
      if (input.query.length > Limits.maxSearchQueryChars) throw invalid(`query is over ${Limits.maxSearchQueryChars} characters`);
      const limit = Math.min(Math.max(1, input.limit ?? 20), Limits.maxSearchPage);
      const before = input.before === undefined ? undefined : Number(input.before);
      if (before !== undefined && !Number.isSafeInteger(before)) throw invalid('before is not a cursor');
      if (input.roomId !== undefined) await rooms.requireMember(input.roomId, userId);
      const terms = queryTerms(query);
      // Only punctuation or operators: nothing to look for, which is not an error.
      if (terms.length === 0) return { results: [], nextBefore: null };
      const hits = await store.searchMessages({ userId, terms, roomId: input.roomId, before, limit });
      return {
        results: hits.map((h) => ({ message: h.message, highlight: highlight(h.message.body, terms) })),
        nextBefore: hits.length === limit ? String(hits[hits.length - 1]!.cursor) : null,
      };
    },
  };
}
