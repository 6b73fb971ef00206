import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { queryTerms } from '../features/search/search-tokenizer.js';
import type { NewMessage, RoomRecord, Store, UserRecord } from './store.js';
import { useStoreFixture, type StoreUnderTest } from './store-contract/fixture.js';

/**
 * The conversation part of the Store (replies, mentions, reactions, pins, settings, search):
 * the behaviour every adapter must show, over the Store contract's shared fixture.
 */
export function describeConversationStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`Conversation store contract: ${name}`, () => {
    const f = useStoreFixture(makeStore);
    let store: Store;
    beforeAll(() => {
      store = f.store;
    });
    const { now, users, group } = f;
    const send = async (room: RoomRecord, sender: UserRecord, body: string, extra: Partial<NewMessage> = {}) =>
      (await f.send(room, sender, { body, ...extra })).message;
    const search = async (user: UserRecord, query: string, opts: { roomId?: string; before?: number; limit?: number } = {}) =>
      (await store.searchMessages({ userId: user.id, terms: queryTerms(query), limit: opts.limit ?? 50, ...opts })).map(
        (h) => h.message.body,
      );
    const extras = async (user: UserRecord, room: RoomRecord) => (await store.roomExtras(user.id, [room.id], 100)).get(room.id);

    describe('search', () => {
      it('finds Korean by bigrams: two-syllable words inside compounds and particles', async () => {
        const [a] = await users(1);
        const room = await group(a!);
        await send(room, a!, '내일 회의실에서 만나요');
        await send(room, a!, '붉은여우는 빠르다');
        await send(room, a!, '회식은 금요일');
        expect(await search(a!, '회의')).toEqual(['내일 회의실에서 만나요']);
        expect(await search(a!, '여우')).toEqual(['붉은여우는 빠르다']);
        expect(await search(a!, '붉은여우')).toEqual(['붉은여우는 빠르다']);
        // A single syllable matches where it starts a bigram or ends a run; newest first.
        expect(await search(a!, '회')).toEqual(['회식은 금요일', '내일 회의실에서 만나요']);
        // Bigrams must be adjacent: both syllables present apart is not a match.
        expect(await search(a!, '회요')).toEqual([]);
      });

      it('matches English case- and accent-insensitively, by word prefix, and mixed text', async () => {
        const [a] = await users(1);
        const room = await group(a!);
        await send(room, a!, 'Café au lait, NAÏVE Running');
        await send(room, a!, 'deploy 배포는 금요일 release');
        expect(await search(a!, 'cafe')).toHaveLength(1);
        expect(await search(a!, 'CAFÉ naive')).toHaveLength(1);
        expect(await search(a!, 'run')).toHaveLength(1);
        expect(await search(a!, 'unning')).toEqual([]);
        expect(await search(a!, '배포 release')).toEqual(['deploy 배포는 금요일 release']);
        expect(await search(a!, 'cafe release')).toEqual([]);
      });

      it('treats FTS and SQL syntax as text, never as syntax', async () => {
        const [a] = await users(1);
        const room = await group(a!);
        await send(room, a!, 'NEAR the 100% "quoted" back\\slash star*');
        for (const q of [
          '"',
          '*',
          'NEAR',
          'NEAR(',
          '%',
          '\\',
          "' or 1=1 --",
          'a AND',
          'OR',
          '"quoted',
          'star*',
          '100%',
          '^x',
          'col:x',
          "''",
          '(',
          '-x',
          '&|!<->:*',
        ]) {
          await expect(search(a!, q)).resolves.toBeInstanceOf(Array);
        }
        expect(await search(a!, 'NEAR')).toHaveLength(1);
        expect(await search(a!, '100%')).toHaveLength(1);
        expect(await search(a!, '"quoted')).toHaveLength(1);
        expect(await search(a!, '%')).toEqual([]);
      });

      it('shows only rooms the user is a current member of, and pages newest first', async () => {
        const [a, b, c] = await users(3);
        const shared = await group(a!, [b!]);
        const other = await group(c!);
        for (let i = 0; i < 5; i++) await send(shared, a!, `needle number ${i}`);
        await send(other, c!, 'needle elsewhere');
        expect(await search(b!, 'needle')).toEqual([4, 3, 2, 1, 0].map((i) => `needle number ${i}`));
        expect(await search(c!, 'needle')).toEqual(['needle elsewhere']);
        expect(await search(a!, 'needle', { roomId: other.id })).toEqual([]);
        const first = await store.searchMessages({ userId: b!.id, terms: queryTerms('needle'), limit: 2 });
        expect(first.map((h) => h.message.body)).toEqual(['needle number 4', 'needle number 3']);
        expect(await search(b!, 'needle', { before: first[1]!.cursor, limit: 2 })).toEqual(['needle number 2', 'needle number 1']);
        await store.removeMember(shared.id, b!.id, now());
        expect(await search(b!, 'needle')).toEqual([]);
      });

      it('reflects edits and deletions at once, keeping an edited message in its place', async () => {
        const [a] = await users(1);
        const room = await group(a!);
        const first = await send(room, a!, 'alpha original');
        await send(room, a!, 'alpha second');
        await store.updateMessageBody(first.id, 'alpha rewritten', now());
        expect(await search(a!, 'original')).toEqual([]);
        expect(await search(a!, 'rewritten')).toEqual(['alpha rewritten']);
        expect(await search(a!, 'alpha')).toEqual(['alpha second', 'alpha rewritten']);
        await store.markMessageDeleted(first.id, now());
        expect(await search(a!, 'alpha')).toEqual(['alpha second']);
      });

      // The index is written off the send path: what was acknowledged must still be found at once.
      it('finds each message right after its ack, a whole burst, and then has nothing left to index', async () => {
        const [a] = await users(1);
        const room = await group(a!);
        for (let i = 0; i < 5; i++) {
          await send(room, a!, `ackword${i} right away`);
          expect(await search(a!, `ackword${i}`)).toEqual([`ackword${i} right away`]);
        }
        const n = 600;
        await Promise.all(Array.from({ length: n }, (_, i) => send(room, a!, `burstword number${i}`)));
        expect(await search(a!, 'burstword', { limit: n + 10 })).toHaveLength(n);
        expect(await search(a!, `number${n - 1}`)).toEqual([`burstword number${n - 1}`]);
        expect(await store.indexPendingSearch()).toBe(0);
      });

      it('finds an edit by its new words and never a deleted message, edited or deleted before or after indexing', async () => {
        const [a] = await users(1);
        const room = await group(a!);
        // After: indexed first (a search indexes everything pending), then changed.
        const after = await send(room, a!, 'oldafter kept');
        const goneAfter = await send(room, a!, 'goneafter kept');
        expect(await search(a!, 'kept')).toHaveLength(2);
        await store.updateMessageBody(after.id, 'newafter kept', now());
        await store.markMessageDeleted(goneAfter.id, now());
        // Before: changed behind a burst the indexer has not reached yet (as far as the test can make it).
        await Promise.all(Array.from({ length: 300 }, (_, i) => send(room, a!, `filler ${i}`)));
        const before = await send(room, a!, 'oldbefore kept');
        const goneBefore = await send(room, a!, 'gonebefore kept');
        await store.updateMessageBody(before.id, 'newbefore kept', now());
        await store.markMessageDeleted(goneBefore.id, now());
        expect(await search(a!, 'oldafter')).toEqual([]);
        expect(await search(a!, 'oldbefore')).toEqual([]);
        expect(await search(a!, 'newafter')).toEqual(['newafter kept']);
        expect(await search(a!, 'newbefore')).toEqual(['newbefore kept']);
        expect(await search(a!, 'goneafter')).toEqual([]);
        expect(await search(a!, 'gonebefore')).toEqual([]);
        // Edited messages keep their place (send order), deleted ones are gone.
        expect(await search(a!, 'kept')).toEqual(['newbefore kept', 'newafter kept']);
        // An edit back and forth: only the last body counts.
        await store.updateMessageBody(before.id, 'flipone', now());
        await store.updateMessageBody(before.id, 'fliptwo', now());
        expect(await search(a!, 'flipone')).toEqual([]);
        expect(await search(a!, 'fliptwo')).toEqual(['fliptwo']);
        expect(await store.indexPendingSearch()).toBe(0);
      });
    });

    describe('replies and mentions', () => {
      it('stores the quote and keeps it in step with edits and deletion of the original', async () => {
        const [a, b] = await users(2);
        const room = await group(a!, [b!]);
        const original = await send(room, a!, 'the original text');
        const quote = {
          messageId: original.id,
          seq: original.seq,
          senderId: a!.id,
          excerpt: 'the original',
          deleted: false,
          edited: false,
        };
        const reply = await send(room, b!, 'a reply', { replyTo: quote });
        expect(reply.replyTo).toEqual(quote);
        expect((await store.getMessage(reply.id))?.replyTo).toEqual(quote);
        await store.updateMessageBody(original.id, 'changed', now());
        expect((await store.getMessage(reply.id))?.replyTo).toEqual({ ...quote, edited: true });
        await store.markMessageDeleted(original.id, now());
        expect((await store.getMessage(reply.id))?.replyTo).toEqual({ ...quote, edited: true, deleted: true, excerpt: '' });
      });

      it('resolves usernames of current members only, case-insensitively', async () => {
        const [a, b, c] = await users(3);
        const room = await group(a!, [b!]);
        expect(await store.resolveMentionedMembers(room.id, [b!.username.toUpperCase(), c!.username, 'nobody_here'])).toEqual([b!.id]);
      });

      it('counts unread mentions per member, cleared by reading past them, @all for everyone but the sender', async () => {
        const [a, b, c] = await users(3);
        const room = await group(a!, [b!, c!]);
        const m1 = await send(room, a!, 'hey b', { mentions: [b!.id] });
        await send(room, a!, 'plain');
        const m3 = await send(room, a!, 'everyone', { mentionsAll: true, mentions: [b!.id] });
        expect(m3).toMatchObject({ mentionsAll: true, mentions: [b!.id] });
        expect(await extras(b!, room)).toMatchObject({ mentionCount: 2, mentionSeqs: [m1.seq, m3.seq] });
        expect(await extras(c!, room)).toMatchObject({ mentionCount: 1, mentionSeqs: [m3.seq] });
        expect(await extras(a!, room)).toMatchObject({ mentionCount: 0, mentionSeqs: [] });
        await store.advanceReadPointer(room.id, b!.id, m1.seq);
        expect(await extras(b!, room)).toMatchObject({ mentionCount: 1, mentionSeqs: [m3.seq] });
        await store.markMessageDeleted(m3.id, now());
        expect(await extras(b!, room)).toMatchObject({ mentionCount: 0 });
        expect(await extras(c!, room)).toMatchObject({ mentionCount: 0 });
      });

      it('lists at most the newest mention seqs while counting all', async () => {
        const [a, b] = await users(2);
        const room = await group(a!, [b!]);
        const seqs: number[] = [];
        for (let i = 0; i < 5; i++) seqs.push((await send(room, a!, `m${i}`, { mentions: [b!.id] })).seq);
        const e = (await store.roomExtras(b!.id, [room.id], 3)).get(room.id);
        expect(e).toMatchObject({ mentionCount: 5, mentionSeqs: seqs.slice(2) });
      });
    });

    describe('reactions', () => {
      it('adds once per user and emoji, counts with me, lists who, removes', async () => {
        const [a, b] = await users(2);
        const room = await group(a!, [b!]);
        const m = await send(room, a!, 'react to me');
        const add = (u: UserRecord, emoji: string, maxDistinct = 20) =>
          store.addReaction({ roomId: room.id, messageId: m.id, userId: u.id, emoji, now: now(), maxDistinct });
        expect(await add(a!, '👍')).toBe('added');
        expect(await add(a!, '👍')).toBe('exists');
        expect(await add(b!, '👍')).toBe('added');
        expect(await add(b!, '🎉')).toBe('added');
        expect(await add(a!, '😀', 2)).toBe('full');
        expect(await add(a!, '🎉', 2)).toBe('added');
        expect(await store.reactionCounts(room.id, [m.id], a!.id)).toEqual([
          {
            messageId: m.id,
            reactions: [
              { emoji: '👍', count: 2, me: true },
              { emoji: '🎉', count: 2, me: true },
            ],
          },
        ]);
        expect(await store.reactionUsers(m.id)).toEqual([
          { emoji: '👍', userIds: [a!.id, b!.id] },
          { emoji: '🎉', userIds: [b!.id, a!.id] },
        ]);
        expect(await store.removeReaction(m.id, a!.id, '👍')).toBe(true);
        expect(await store.removeReaction(m.id, a!.id, '👍')).toBe(false);
        expect(await store.reactionCounts(room.id, [m.id], a!.id)).toEqual([
          {
            messageId: m.id,
            reactions: [
              { emoji: '👍', count: 1, me: false },
              { emoji: '🎉', count: 2, me: true },
            ],
          },
        ]);
        // Another room's id gives nothing, and a deleted message loses its reactions.
        expect(await store.reactionCounts(randomUUID(), [m.id], a!.id)).toEqual([]);
        await store.markMessageDeleted(m.id, now());
        expect(await store.reactionCounts(room.id, [m.id], a!.id)).toEqual([]);
      });

      it('keeps the distinct-emoji cap under concurrent reactions', async () => {
        const us = await users(6);
        const room = await group(us[0]!, us.slice(1));
        const m = await send(room, us[0]!, 'storm');
        const emojis = ['😀', '😁', '😂', '🤣', '😃', '😄'];
        const results = await Promise.all(
          us.map((u, i) =>
            store.addReaction({ roomId: room.id, messageId: m.id, userId: u.id, emoji: emojis[i]!, now: now(), maxDistinct: 3 }),
          ),
        );
        expect(results.filter((r) => r === 'added')).toHaveLength(3);
        expect((await store.reactionCounts(room.id, [m.id], null))[0]!.reactions).toHaveLength(3);
      });
    });

    describe('pins and settings', () => {
      it('pins once, caps the list, leaves deleted messages out, unpins', async () => {
        const [a] = await users(1);
        const room = await group(a!);
        const m1 = await send(room, a!, 'first');
        const m2 = await send(room, a!, 'second');
        const m3 = await send(room, a!, 'third');
        const pin = (m: typeof m1) => store.addPin({ roomId: room.id, messageId: m.id, seq: m.seq, userId: a!.id, now: now(), max: 2 });
        expect(await pin(m1)).toMatchObject({
          status: 'added',
          pin: { messageId: m1.id, seq: m1.seq, pinnedBy: a!.id, message: { body: 'first' } },
        });
        expect(await pin(m1)).toEqual({ status: 'exists' });
        expect((await pin(m2)).status).toBe('added');
        expect(await pin(m3)).toEqual({ status: 'full' });
        expect((await extras(a!, room))?.pins.map((p) => p.messageId)).toEqual([m2.id, m1.id]);
        await store.markMessageDeleted(m2.id, now());
        expect((await extras(a!, room))?.pins.map((p) => p.messageId)).toEqual([m1.id]);
        expect(await store.removePin(room.id, m1.id)).toBe(true);
        expect(await store.removePin(room.id, m1.id)).toBe(false);
      });

      it('stores notification settings per member; non-members get not_found', async () => {
        const [a, b, c] = await users(3);
        const room = await group(a!, [b!]);
        expect(await extras(b!, room)).toMatchObject({ notify: 'all', muteUntil: null });
        const until = '2031-01-01T00:00:00.000Z';
        expect(await store.setRoomSettings(room.id, b!.id, { notify: 'mentions', muteUntil: until })).toEqual({
          notify: 'mentions',
          muteUntil: until,
        });
        expect(await extras(b!, room)).toMatchObject({ notify: 'mentions', muteUntil: until });
        expect(await extras(a!, room)).toMatchObject({ notify: 'all', muteUntil: null });
        const err = await store.setRoomSettings(room.id, c!.id, { notify: 'none', muteUntil: null }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(AppError);
        expect((err as AppError).code).toBe('not_found');
        expect(await store.roomExtras(c!.id, [room.id], 10)).toEqual(new Map());
      });
    });
  });
}
