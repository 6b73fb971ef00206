import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import type { StoreFixture } from './fixture.js';

export function messagesContract(f: StoreFixture): void {
  const { now, newUser, users, group, send, expectAppError, allMessages } = f;
  describe('messages', () => {
    it('accepts sends from current members only, without using a seq otherwise', async () => {
      const [owner, a, stranger] = await users(3);
      const room = await group(owner!, [a!]);
      const send = (senderId: string, clientMsgId: string, roomId = room.id) =>
        f.store.insertMessage({ roomId, senderId, kind: 'text', body: 'x', clientMsgId, now: now() });
      await expectAppError(send(stranger!.id, 's-1'), 'not_found');
      await expectAppError(send(owner!.id, 'o-0', randomUUID()), 'not_found');
      expect((await send(a!.id, 'a-1')).message.seq).toBe(1);
      await f.store.removeMember(room.id, a!.id, now());
      await expectAppError(send(a!.id, 'a-2'), 'not_found');
      // A retry of what was stored before leaving still gets its answer.
      expect(await send(a!.id, 'a-1')).toMatchObject({ duplicate: true, message: { seq: 1 } });
      expect((await send(owner!.id, 'o-1')).message.seq).toBe(2);
      // Concurrently, in one group commit, a stranger's send fails alone.
      const mixed = await Promise.allSettled([send(owner!.id, 'o-2'), send(stranger!.id, 's-2'), send(owner!.id, 'o-3')]);
      expect(mixed.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((await f.store.getRoom(room.id))?.lastSeq).toBe(4);
    });

    it('assigns seqs 1, 2, 3 and moves the sender read pointer', async () => {
      const [owner, a] = await users(2);
      const room = await group(owner!, [a!]);
      const t = now();
      const first = await f.store.insertMessage({
        roomId: room.id,
        senderId: owner!.id,
        kind: 'text',
        body: 'one',
        clientMsgId: 'c-1',
        now: t,
      });
      expect(first).toEqual({
        duplicate: false,
        message: {
          id: expect.any(String),
          roomId: room.id,
          seq: 1,
          senderId: owner!.id,
          kind: 'text',
          body: 'one',
          clientMsgId: 'c-1',
          createdAt: t,
          editedAt: null,
          deletedAt: null,
          replyTo: null,
          mentions: [],
          mentionsAll: false,
        },
      });
      expect((await send(room, a!)).message.seq).toBe(2);
      expect((await send(room, owner!, { kind: 'system' })).message).toMatchObject({ seq: 3, kind: 'system', clientMsgId: null });
      expect((await f.store.getRoom(room.id))?.lastSeq).toBe(3);
      expect((await f.store.getMember(room.id, owner!.id))?.lastReadSeq).toBe(3);
      expect((await f.store.getMember(room.id, a!.id))?.lastReadSeq).toBe(2);
      expect(await f.store.getMessage(first.message.id)).toEqual(first.message);
      expect(await f.store.getMessage(randomUUID())).toBeUndefined();
    });

    it('keeps seqs gap-free under 200 concurrent sends to one room', async () => {
      const senders = await users(4);
      const room = await group(senders[0]!, senders.slice(1));
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) => send(room, senders[i % 4]!, { body: `m${i}`, clientMsgId: `gap-${i}` })),
      );
      const seqs = results.map((r) => r.message.seq).sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect((await f.store.getRoom(room.id))?.lastSeq).toBe(200);
      expect((await allMessages(room.id)).map((m) => m.seq)).toEqual(seqs);
    });

    it('keeps seqs gap-free when two store instances (two pools) send to one room', async (ctx) => {
      if (!f.sut.openAnother) return ctx.skip();
      const second = await f.sut.openAnother();
      try {
        const senders = await users(2);
        const room = await group(senders[0]!, [senders[1]!]);
        const results = await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            (i % 2 ? f.store : second).insertMessage({
              roomId: room.id,
              senderId: senders[i % 2]!.id,
              kind: 'text',
              body: `m${i}`,
              clientMsgId: `two-${i}`,
              now: now(),
            }),
          ),
        );
        const seqs = results.map((r) => r.message.seq).sort((x, y) => x - y);
        expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        expect((await f.store.getRoom(room.id))?.lastSeq).toBe(200);
      } finally {
        await second.close();
      }
    });

    it('stores a retried send once (sequential)', async () => {
      const [owner] = await users(1);
      const room = await group(owner!);
      const first = await send(room, owner!, { body: 'once', clientMsgId: 'retry-1' });
      const again = await send(room, owner!, { body: 'twice', clientMsgId: 'retry-1' });
      expect(again).toEqual({ message: first.message, duplicate: true });
      expect((await f.store.getRoom(room.id))?.lastSeq).toBe(1);
      const next = await send(room, owner!, { clientMsgId: 'retry-2' });
      expect(next.message.seq).toBe(2);
      // The same client id from another sender is another message.
      const other = await newUser();
      await f.store.addMembers(room.id, [other.id], 'member', now());
      expect((await send(room, other, { clientMsgId: 'retry-1' })).duplicate).toBe(false);
    });

    it('recognises a retry even when it names another or an unknown room', async () => {
      const [owner] = await users(1);
      const r1 = await group(owner!);
      const r2 = await group(owner!);
      const first = await send(r1, owner!, { clientMsgId: 'cross' });
      expect(await send(r2, owner!, { clientMsgId: 'cross' })).toEqual({ message: first.message, duplicate: true });
      expect(
        await f.store.insertMessage({
          roomId: randomUUID(),
          senderId: owner!.id,
          kind: 'text',
          body: 'x',
          clientMsgId: 'cross',
          now: now(),
        }),
      ).toEqual({ message: first.message, duplicate: true });
      expect((await f.store.getRoom(r2.id))?.lastSeq).toBe(0);
    });

    it('recognises retries of stored sends inside a burst of new ones', async () => {
      const [owner] = await users(1);
      const room = await group(owner!);
      const stored = await send(room, owner!, { body: 'first', clientMsgId: 'burst-0' });
      const results = await Promise.all([
        send(room, owner!, { clientMsgId: 'burst-1' }),
        send(room, owner!, { clientMsgId: 'burst-0' }),
        send(room, owner!, { clientMsgId: 'burst-2' }),
        send(room, owner!, { clientMsgId: null }),
      ]);
      expect(results[1]).toEqual({ message: stored.message, duplicate: true });
      expect(results.filter((r) => r.duplicate)).toHaveLength(1);
      expect(results.map((r) => r.message.seq).sort()).toEqual([1, 2, 3, 4]);
      expect((await f.store.getRoom(room.id))?.lastSeq).toBe(4);
    });

    it('numbers each room on its own under concurrent sends to many rooms', async () => {
      const [owner] = await users(1);
      const rooms = await Promise.all(Array.from({ length: 10 }, () => group(owner!)));
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => send(rooms[i % 10]!, owner!, { body: `m${i}` })));
      for (const room of rooms) {
        const mine = results.filter((r) => r.message.roomId === room.id);
        // Sends to one room from one caller are numbered in call order.
        expect(mine.map((r) => r.message.seq)).toEqual(Array.from({ length: 20 }, (_, k) => k + 1));
        expect((await f.store.getRoom(room.id))?.lastSeq).toBe(20);
      }
      expect((await f.store.getMember(rooms[0]!.id, owner!.id))?.lastReadSeq).toBe(20);
    });

    it('stores a retried send once when the copies race', async () => {
      const [owner] = await users(1);
      const room = await group(owner!);
      const results = await Promise.all(Array.from({ length: 20 }, () => send(room, owner!, { clientMsgId: 'race' })));
      expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      expect((await f.store.getRoom(room.id))?.lastSeq).toBe(1);
      expect(await allMessages(room.id)).toHaveLength(1);
    });

    it('stores a retried send once when the copies race across store instances', async (ctx) => {
      if (!f.sut.openAnother) return ctx.skip();
      const second = await f.sut.openAnother();
      try {
        const [owner] = await users(1);
        const room = await group(owner!);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? f.store : second).insertMessage({
              roomId: room.id,
              senderId: owner!.id,
              kind: 'text',
              body: 'b',
              clientMsgId: 'race2',
              now: now(),
            }),
          ),
        );
        expect(new Set(results.map((r) => r.message.id)).size).toBe(1);
        expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
        expect((await f.store.getRoom(room.id))?.lastSeq).toBe(1);
      } finally {
        await second.close();
      }
    });

    it('fails only the send to an unknown room among concurrent sends', async () => {
      const [owner] = await users(1);
      const room = await group(owner!);
      const results = await Promise.allSettled([
        send(room, owner!),
        f.store.insertMessage({ roomId: randomUUID(), senderId: owner!.id, kind: 'text', body: 'x', clientMsgId: null, now: now() }),
        send(room, owner!),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const rejected = results[1] as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(AppError);
      expect((rejected.reason as AppError).code).toBe('not_found');
      expect((await f.store.getRoom(room.id))?.lastSeq).toBe(2);
    });

    it('fails only the send from an unknown sender among concurrent sends', async () => {
      const [owner] = await users(1);
      const room = await group(owner!);
      const results = await Promise.allSettled([
        send(room, owner!, { clientMsgId: 'ok-1' }),
        f.store.insertMessage({ roomId: room.id, senderId: randomUUID(), kind: 'text', body: 'x', clientMsgId: 'ghost', now: now() }),
        send(room, owner!, { clientMsgId: 'ok-2' }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(((results[1] as PromiseRejectedResult).reason as AppError).code).toBe('not_found');
      expect((await allMessages(room.id)).map((m) => m.seq)).toEqual([1, 2]);
    });

    it('pages history in ascending order', async () => {
      const [owner] = await users(1);
      const room = await group(owner!);
      for (let i = 1; i <= 10; i++) await send(room, owner!, { body: `m${i}` });
      const seqs = (ms: { seq: number }[]) => ms.map((m) => m.seq);
      expect(seqs(await f.store.listMessages(room.id, { limit: 3 }))).toEqual([8, 9, 10]);
      expect(seqs(await f.store.listMessages(room.id, { beforeSeq: 8, limit: 3 }))).toEqual([5, 6, 7]);
      expect(seqs(await f.store.listMessages(room.id, { beforeSeq: 3, limit: 5 }))).toEqual([1, 2]);
      expect(seqs(await f.store.listMessages(room.id, { afterSeq: 0, limit: 3 }))).toEqual([1, 2, 3]);
      expect(seqs(await f.store.listMessages(room.id, { afterSeq: 7, limit: 5 }))).toEqual([8, 9, 10]);
      expect(seqs(await f.store.listMessages(room.id, { afterSeq: 10, limit: 5 }))).toEqual([]);
      expect(seqs(await f.store.listMessages(room.id, { afterSeq: 2, beforeSeq: 6, limit: 10 }))).toEqual([3, 4, 5]);
      expect((await f.store.listMessages(room.id, { afterSeq: 0, limit: 1 }))[0]?.body).toBe('m1');
      expect(await f.store.listMessages(randomUUID(), { limit: 10 })).toEqual([]);
    });

    it('takes any number as a history cursor, past the seq range included', async () => {
      const [owner] = await users(1);
      const room = await group(owner!);
      for (let i = 1; i <= 3; i++) await send(room, owner!);
      const seqs = (ms: { seq: number }[]) => ms.map((m) => m.seq);
      expect(await f.store.listMessages(room.id, { afterSeq: 1e308, limit: 5 })).toEqual([]);
      expect(await f.store.listMessages(room.id, { afterSeq: 2 ** 53, limit: 5 })).toEqual([]);
      expect(seqs(await f.store.listMessages(room.id, { beforeSeq: 1e308, limit: 5 }))).toEqual([1, 2, 3]);
      expect(seqs(await f.store.listMessages(room.id, { afterSeq: 1.5, limit: 5 }))).toEqual([2, 3]);
      expect(seqs(await f.store.listMessages(room.id, { beforeSeq: 2.5, limit: 5 }))).toEqual([1, 2]);
    });

    it('refuses NUL characters with invalid and uses no seq', async () => {
      const [owner] = await users(1);
      const room = await group(owner!);
      await expectAppError(send(room, owner!, { body: 'a\u0000b' }), 'invalid');
      await expectAppError(send(room, owner!, { clientMsgId: 'c\u0000' }), 'invalid');
      expect((await send(room, owner!)).message.seq).toBe(1);
    });

    it('edits and deletes', async () => {
      const [owner] = await users(1);
      const room = await group(owner!);
      const { message } = await send(room, owner!, { body: 'draft' });
      const t1 = now();
      const edited = await f.store.updateMessageBody(message.id, 'final', t1);
      expect(edited).toEqual({ ...message, body: 'final', editedAt: t1 });
      const t2 = now();
      const deleted = await f.store.markMessageDeleted(message.id, t2);
      expect(deleted).toEqual({ ...message, body: '', editedAt: t1, deletedAt: t2 });
      expect(await f.store.getMessage(message.id)).toEqual(deleted);
      expect((await f.store.markMessageDeleted(message.id, now())).deletedAt).toBe(t2);
      await expectAppError(f.store.updateMessageBody(randomUUID(), 'x', now()), 'not_found');
      await expectAppError(f.store.markMessageDeleted(randomUUID(), now()), 'not_found');
    });
  });
}
