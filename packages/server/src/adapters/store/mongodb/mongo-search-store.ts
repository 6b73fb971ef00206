import type { SearchStore } from '../search-store.js';
import { indexTokens, type QueryTerm } from '../../../features/search/search-tokenizer.js';
import { inChunks } from '../in-chunks.js';
import { type Collections, type MessageDoc, memberId, toMessage } from './mongo-documents.js';

/** What a message document is found by: the shared tokenizer's tokens of a text body. */
export const searchTerms = (kind: string, body: string): string[] => (kind === 'text' ? indexTokens(body) : []);

const EPOCH = Date.parse('2020-01-01T00:00:00.000Z');
/**
 * A message's place in "newest first" search order, a safe integer like the SQL stores'
 * insert-ordered ids (the paging cursor): its creation time in ms since 2020 (good past
 * 2080), then 12 bits of its seq to tell apart the messages of one millisecond. It never
 * changes, so an edited message keeps its place. Two rooms' messages of one millisecond
 * may share a place (their seqs equal modulo 4096): at a page boundary one of them may
 * then be skipped.
 */
export function searchPosition(createdAt: string, seq: number): number {
  return Math.max(0, Date.parse(createdAt) - EPOCH) * 4096 + (seq % 4096);
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One query clause per term: a token equal (phrase bigrams) or starting with (prefix) it. */
function termClauses(terms: readonly QueryTerm[]): object[] {
  const out: object[] = [];
  for (const t of terms) {
    if (t.kind === 'prefix') out.push({ terms: { $regex: `^${escapeRegex(t.token)}` } });
    else
      t.tokens.forEach((tok, i) =>
        out.push({ terms: t.prefixLast && i === t.tokens.length - 1 ? { $regex: `^${escapeRegex(tok)}` } : tok }),
      );
  }
  return out;
}

/** A phrase's bigrams must be adjacent tokens (the query can ask only that each is present). */
function phrasesAdjacent(doc: MessageDoc, terms: readonly QueryTerm[]): boolean {
  const tokens = doc.terms ?? [];
  return terms.every((t) => {
    if (t.kind === 'prefix' || t.tokens.length < 2) return true;
    for (let i = 0; i + t.tokens.length <= tokens.length; i++) {
      if (t.tokens.every((tok, k) => (t.prefixLast && k === t.tokens.length - 1 ? tokens[i + k]!.startsWith(tok) : tokens[i + k] === tok)))
        return true;
    }
    return false;
  });
}

/**
 * Search over the tokens kept on each message document (`terms`, a multikey index on
 * MongoDB and DocumentDB; FerretDB scans): every term a clause of an `$and`, CJK phrase
 * adjacency checked on the candidates. Membership is the caller's current member rows,
 * the same visibility as the history route.
 */
export function createMongoSearchStore(c: Collections): SearchStore {
  return {
    async searchMessages({ userId, terms, roomId, before, limit }) {
      const n = Math.max(0, Math.trunc(limit));
      if (terms.length === 0 || n === 0) return [];
      const rooms =
        roomId !== undefined
          ? (await c.members.findOne({ _id: memberId(roomId, userId) }))?.leftAt === null
            ? [roomId]
            : []
          : (await c.members.find({ userId, leftAt: null }, { projection: { roomId: 1 } }).toArray()).map((m) => m.roomId);
      if (rooms.length === 0) return [];
      const clauses = termClauses(terms);
      const hits: MessageDoc[] = [];
      let below = before;
      // Candidates in pages: a phrase's bigrams may all be present but apart.
      for (;;) {
        const page = (
          await inChunks(rooms, (part) =>
            c.messages
              .find({
                $and: clauses,
                roomId: { $in: part },
                deletedAt: null,
                ...(below === undefined ? {} : { searchPos: { $lt: below } }),
              })
              .sort({ searchPos: -1, _id: -1 })
              .limit(n)
              .toArray(),
          )
        )
          .sort((a, b) => (b.searchPos ?? 0) - (a.searchPos ?? 0) || (a._id < b._id ? 1 : -1))
          .slice(0, n);
        hits.push(...page.filter((d) => phrasesAdjacent(d, terms)));
        if (hits.length >= n || page.length < n) break;
        below = page[page.length - 1]!.searchPos ?? 0;
      }
      return hits.slice(0, n).map((d) => ({ message: toMessage(d), cursor: d.searchPos ?? 0 }));
    },
  };
}
