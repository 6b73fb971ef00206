import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Store, UserRecord } from './store.js';
import { useStoreFixture, type StoreUnderTest } from './store-contract/fixture.js';
import type { UploadRecord } from './upload-store.js';

/**
 * The uploads part of the Store (`UploadStore`): the behaviour every adapter must show.
 * Over the Store contract's shared fixture; each test makes its own users, rooms and uploads.
 */
export function describeUploadStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`Upload store contract: ${name}`, () => {
    const f = useStoreFixture(makeStore);
    let store: Store;
    beforeAll(() => {
      store = f.store;
    });
    const { now } = f;
    const newUser = () => f.newUser('up');
    const room = (owner: UserRecord) => f.group(owner, [], 'files');
    const upload = async (owner: UserRecord, extra: Partial<UploadRecord> = {}): Promise<UploadRecord> => {
      const id = randomUUID();
      const row: UploadRecord = {
        id,
        ownerId: owner.id,
        purpose: 'message',
        roomId: null,
        name: 'a.png',
        contentType: 'image/png',
        size: 100,
        storageKey: `k/${id}`,
        state: 'pending',
        claimKey: null,
        messageId: null,
        width: null,
        height: null,
        placeholder: null,
        variants: [],
        createdAt: now(),
        completedAt: null,
        ...extra,
      };
      await store.createUpload(row);
      return row;
    };
    const complete = (u: UploadRecord) => store.updateUpload(u.id, { state: 'complete', completedAt: now() });

    it('creates, reads, patches and deletes uploads and sums an owner’s bytes', async () => {
      const owner = await newUser();
      const a = await upload(owner, { size: 300 });
      const b = await upload(owner, { size: 50, purpose: 'avatar' });
      expect(await store.getUpload(a.id)).toEqual(a);
      expect((await store.getUploads([a.id, b.id, randomUUID()])).map((u) => u.id).sort()).toEqual([a.id, b.id].sort());
      const patched = await store.updateUpload(a.id, {
        state: 'complete',
        size: 280,
        width: 4,
        height: 3,
        placeholder: 'ph',
        variants: ['thumb320'],
      });
      expect(patched).toEqual({ ...a, state: 'complete', size: 280, width: 4, height: 3, placeholder: 'ph', variants: ['thumb320'] });
      expect(await store.updateUpload(randomUUID(), { state: 'complete' })).toBeUndefined();
      expect(await store.sumUploadBytes(owner.id)).toBe(330);
      expect(await store.sumUploadBytes(randomUUID())).toBe(0);
      await store.deleteUpload(b.id);
      expect(await store.getUpload(b.id)).toBeUndefined();
      expect(await store.sumUploadBytes(owner.id)).toBe(280);
    });

    it('claims all of a send’s uploads or none, again for a retry, and links or releases the claim', async () => {
      const owner = await newUser();
      const other = await newUser();
      const r = await room(owner);
      const [a, b, pending] = [
        await upload(owner, { roomId: r.id }),
        await upload(owner, { roomId: r.id }),
        await upload(owner, { roomId: r.id }),
      ];
      await complete(a);
      await complete(b);
      const claim = (ids: string[], claimKey: string, ownerId = owner.id, roomId = r.id) =>
        store.claimUploads({ ids, ownerId, roomId, claimKey });
      expect(await claim([a.id, pending.id], 'k1')).toBe(false);
      expect((await store.getUpload(a.id))?.claimKey).toBeNull();
      expect(await claim([a.id, b.id], 'k1', other.id)).toBe(false);
      expect(await claim([a.id, b.id], 'k1', owner.id, randomUUID())).toBe(false);
      expect(await claim([a.id, a.id], 'k1')).toBe(false);
      expect(await claim([], 'k1')).toBe(false);
      expect(await claim([a.id, b.id], 'k1')).toBe(true);
      expect(await claim([a.id, b.id], 'k1')).toBe(true);
      expect(await claim([b.id], 'k2')).toBe(false);
      await store.releaseClaim(owner.id, 'k1');
      expect(await claim([b.id], 'k2')).toBe(true);
      expect((await store.getUpload(a.id))?.claimKey).toBeNull();
      const { message } = await store.insertMessage({
        roomId: r.id,
        senderId: owner.id,
        kind: 'file',
        body: '',
        clientMsgId: 'k2',
        now: now(),
      });
      await store.linkClaim(owner.id, 'k2', message.id);
      expect(await store.getUpload(b.id)).toMatchObject({ state: 'attached', messageId: message.id, claimKey: 'k2' });
      await store.releaseClaim(owner.id, 'k2');
      expect((await store.getUpload(b.id))?.claimKey).toBe('k2');
    });

    it('repairs claims whose message was stored but never linked', async () => {
      const owner = await newUser();
      const r = await room(owner);
      const u = await upload(owner, { roomId: r.id });
      const lonely = await upload(owner, { roomId: r.id });
      await complete(u);
      await complete(lonely);
      const key = `c-${randomUUID()}`;
      expect(await store.claimUploads({ ids: [u.id], ownerId: owner.id, roomId: r.id, claimKey: key })).toBe(true);
      expect(await store.claimUploads({ ids: [lonely.id], ownerId: owner.id, roomId: r.id, claimKey: `none-${key}` })).toBe(true);
      const { message } = await store.insertMessage({
        roomId: r.id,
        senderId: owner.id,
        kind: 'file',
        body: '',
        clientMsgId: key,
        now: now(),
      });
      expect(await store.repairClaims()).toBeGreaterThanOrEqual(1);
      expect(await store.getUpload(u.id)).toMatchObject({ state: 'attached', messageId: message.id });
      expect(await store.getUpload(lonely.id)).toMatchObject({ state: 'complete', messageId: null });
    });

    it('sets and clears a message’s attachments', async () => {
      const owner = await newUser();
      const r = await room(owner);
      const { message } = await store.insertMessage({
        roomId: r.id,
        senderId: owner.id,
        kind: 'file',
        body: '',
        clientMsgId: null,
        now: now(),
      });
      const attachment = {
        id: randomUUID(),
        name: 'a.png',
        contentType: 'image/png',
        size: 3,
        width: 2,
        height: 1,
        variants: [],
        url: '/x',
      };
      expect((await store.setMessageAttachments(message.id, [attachment]))?.attachments).toEqual([attachment]);
      expect((await store.getMessage(message.id))?.attachments).toEqual([attachment]);
      expect((await store.listMessages(r.id, { limit: 5 }))[0]?.attachments).toEqual([attachment]);
      expect((await store.setMessageAttachments(message.id, null))?.attachments).toBeUndefined();
      expect(await store.setMessageAttachments(randomUUID(), [attachment])).toBeUndefined();
    });

    it('lists orphans, uploads of deleted messages and replaced avatars for the sweeper', async () => {
      const owner = await newUser();
      const r = await room(owner);
      const orphan = await upload(owner, { roomId: r.id });
      const claimed = await upload(owner, { roomId: r.id });
      await complete(claimed);
      await store.claimUploads({ ids: [claimed.id], ownerId: owner.id, roomId: r.id, claimKey: 'kept' });
      const cutoff = now();
      const young = await upload(owner, { roomId: r.id });
      const orphans = (await store.listOrphanUploads(cutoff, 1000)).map((u) => u.id);
      expect(orphans).toContain(orphan.id);
      expect(orphans).not.toContain(claimed.id);
      expect(orphans).not.toContain(young.id);

      const { message } = await store.insertMessage({
        roomId: r.id,
        senderId: owner.id,
        kind: 'file',
        body: '',
        clientMsgId: 'kept',
        now: now(),
      });
      await store.linkClaim(owner.id, 'kept', message.id);
      expect((await store.listUploadsOfDeletedMessages(now(), 1000)).map((u) => u.id)).not.toContain(claimed.id);
      await store.markMessageDeleted(message.id, now());
      expect((await store.listUploadsOfDeletedMessages(cutoff, 1000)).map((u) => u.id)).not.toContain(claimed.id);
      expect((await store.listUploadsOfDeletedMessages(now(), 1000)).map((u) => u.id)).toContain(claimed.id);

      const oldAvatar = await upload(owner, { purpose: 'avatar' });
      const current = await upload(owner, { purpose: 'avatar' });
      await store.updateUser(owner.id, { avatarUrl: `/api/v1/attachments/${current.id}` });
      const later = now();
      const replaced = (await store.listReplacedAvatars(later, 1000)).map((u) => u.id);
      expect(replaced).toContain(oldAvatar.id);
      expect(replaced).not.toContain(current.id);
      expect(replaced).not.toContain(orphan.id);
    });
  });
}
