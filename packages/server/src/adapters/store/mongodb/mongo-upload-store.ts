import type { UploadPatch, UploadRecord, UploadStore } from '../../../ports/upload-store.js';
import { inChunks } from '../in-chunks.js';
import { type Collections, type UploadDoc, type UploadLinkDoc, findByIds, isDuplicateKey, sendKey, toMessage } from './mongo-documents.js';

const avatarPrefix = '/api/v1/attachments/';

/** Documents listed per sweep query while looking for `limit` that qualify. */
const SWEEP_BATCH = 500;

function toUpload({ _id, state, ...rest }: UploadDoc, link: UploadLinkDoc | undefined): UploadRecord {
  return {
    id: _id,
    ...rest,
    state: link?.attached ? 'attached' : state,
    claimKey: link?.claimKey ?? null,
    messageId: link?.messageId ?? null,
  };
}

/**
 * Uploads: the upload's own fields on one document, its claim and message on another
 * (`UploadLinkDoc`), so racing writers of the two never overwrite each other on FerretDB.
 * A send's claim of several uploads is all-or-nothing without transactions: each is
 * claimed by inserting its link, and when one does not qualify the ones this call
 * claimed are given back.
 */
export function createMongoUploadStore(c: Collections): UploadStore {
  const withLinks = async (docs: UploadDoc[]): Promise<UploadRecord[]> => {
    const links = new Map(
      (
        await findByIds(
          c.uploadLinks,
          docs.map((d) => d._id),
        )
      ).map((l) => [l._id, l]),
    );
    return docs.map((d) => toUpload(d, links.get(d._id)));
  };
  const getUpload = async (id: string) => {
    const [d, link] = await Promise.all([c.uploads.findOne({ _id: id }), c.uploadLinks.findOne({ _id: id })]);
    return d ? toUpload(d, link ?? undefined) : undefined;
  };
  /** Sets link fields, creating the link when there is none yet (a racing creator is retried as an update). */
  const setLink = async (id: string, ownerId: string, set: Partial<UploadLinkDoc>) => {
    for (;;) {
      try {
        const defaults: Omit<UploadLinkDoc, '_id'> = { ownerId, claimKey: null, messageId: null, attached: false };
        const onInsert = Object.fromEntries(Object.entries(defaults).filter(([k]) => !(k in set)));
        await c.uploadLinks.updateOne({ _id: id }, { $set: set, $setOnInsert: onInsert }, { upsert: true });
        return;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
  };

  return {
    async createUpload({ id, claimKey: _claim, messageId: _message, ...u }) {
      await c.uploads.insertOne({ _id: id, ...u, width: null, height: null, placeholder: null, completedAt: null });
    },
    getUpload,
    async getUploads(ids) {
      return withLinks(await findByIds(c.uploads, ids));
    },
    async updateUpload(id, patch: UploadPatch) {
      const { state, ...fields } = patch;
      const set: Record<string, unknown> = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
      if (state !== undefined && state !== 'attached') set.state = state;
      const d = await c.uploads.findOne({ _id: id });
      if (!d) return undefined;
      if (Object.keys(set).length > 0) await c.uploads.updateOne({ _id: id }, { $set: set });
      if (state === 'attached') await setLink(id, d.ownerId, { attached: true });
      return getUpload(id);
    },
    async sumUploadBytes(ownerId) {
      const [row] = await c.uploads
        .aggregate<{ total: number }>([{ $match: { ownerId } }, { $group: { _id: null, total: { $sum: '$size' } } }])
        .toArray();
      return Number(row?.total ?? 0);
    },

    async claimUploads({ ids, ownerId, roomId, claimKey }) {
      const unique = [...new Set(ids)];
      if (unique.length !== ids.length || unique.length === 0) return false;
      const docs = new Map((await findByIds(c.uploads, unique)).map((d) => [d._id, d]));
      const qualifies = (d: UploadDoc | undefined) =>
        d !== undefined && d.ownerId === ownerId && d.roomId === roomId && d.purpose === 'message' && d.state === 'complete';
      if (!unique.every((id) => qualifies(docs.get(id)))) return false;
      const claimed: string[] = [];
      let ok = true;
      for (const _id of unique) {
        try {
          await c.uploadLinks.insertOne({ _id, ownerId, claimKey, messageId: null, attached: false });
          claimed.push(_id);
          continue;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
        // Already ours (a retried send) qualifies too; anyone else's refuses the whole claim.
        if ((await c.uploadLinks.findOne({ _id }))?.claimKey !== claimKey) {
          ok = false;
          break;
        }
      }
      if (!ok) for (const _id of claimed) await c.uploadLinks.deleteOne({ _id });
      return ok;
    },
    async releaseClaim(ownerId, claimKey) {
      for (const l of await c.uploadLinks.find({ ownerId, claimKey }).toArray()) {
        if (l.messageId === null && !l.attached) await c.uploadLinks.deleteOne({ _id: l._id });
      }
    },
    async linkClaim(ownerId, claimKey, messageId) {
      for (const l of await c.uploadLinks.find({ ownerId, claimKey }).toArray()) {
        await c.uploadLinks.updateOne({ _id: l._id }, { $set: { messageId, attached: true } });
      }
    },
    async repairClaims() {
      let repaired = 0;
      for (const l of await c.uploadLinks.find({ messageId: null, claimKey: { $ne: null } }).toArray()) {
        // The claim key is the send's client message id: its message, if any, has this send key.
        const m = await c.messages.findOne(
          { sendKey: sendKey({ senderId: l.ownerId, clientMsgId: l.claimKey, id: '' }) },
          { projection: { _id: 1 } },
        );
        if (!m) continue;
        await c.uploadLinks.updateOne({ _id: l._id }, { $set: { messageId: m._id, attached: true } });
        repaired += 1;
      }
      return repaired;
    },

    async setMessageAttachments(messageId, attachments) {
      await c.messages.updateOne(
        { _id: messageId },
        attachments && attachments.length > 0 ? { $set: { attachments } } : { $unset: { attachments: '' } },
      );
      const d = await c.messages.findOne({ _id: messageId });
      return d ? toMessage(d) : undefined;
    },

    async listOrphanUploads(cutoff, limit) {
      const out: UploadRecord[] = [];
      let after: { createdAt: string; _id: string } | undefined;
      while (out.length < limit) {
        const batch = await c.uploads
          .find({
            state: { $in: ['pending', 'complete'] },
            purpose: 'message',
            createdAt: { $lt: cutoff },
            ...(after ? { $or: [{ createdAt: { $gt: after.createdAt } }, { createdAt: after.createdAt, _id: { $gt: after._id } }] } : {}),
          })
          .sort({ createdAt: 1, _id: 1 })
          .limit(SWEEP_BATCH)
          .toArray();
        if (batch.length === 0) break;
        const last = batch[batch.length - 1]!;
        after = { createdAt: last.createdAt, _id: last._id };
        // Claimed or sent uploads have a link; orphans have none.
        out.push(...(await withLinks(batch)).filter((u) => u.claimKey === null && u.messageId === null && u.state !== 'attached'));
        if (batch.length < SWEEP_BATCH) break;
      }
      return out.slice(0, Math.max(0, limit));
    },

    async listUploadsOfDeletedMessages(cutoff, limit) {
      // No $lookup: links to messages in batches, each batch's messages by `_id`.
      const out: UploadRecord[] = [];
      let after = '';
      while (out.length < limit) {
        const batch = await c.uploadLinks
          .find({ messageId: { $ne: null }, _id: { $gt: after } })
          .sort({ _id: 1 })
          .limit(SWEEP_BATCH)
          .toArray();
        if (batch.length === 0) break;
        after = batch[batch.length - 1]!._id;
        const messages = await inChunks([...new Set(batch.map((l) => l.messageId!))], (part) =>
          c.messages.find({ _id: { $in: part }, deletedAt: { $ne: null, $lt: cutoff } }, { projection: { _id: 1 } }).toArray(),
        );
        const gone = new Set(messages.map((m) => m._id));
        const uploads = await findByIds(
          c.uploads,
          batch.filter((l) => gone.has(l.messageId!)).map((l) => l._id),
        );
        out.push(...(await withLinks(uploads)));
        if (batch.length < SWEEP_BATCH) break;
      }
      return out.slice(0, Math.max(0, limit));
    },

    async listReplacedAvatars(cutoff, limit) {
      const candidates = await c.uploads
        .find({ purpose: 'avatar', createdAt: { $lt: cutoff } })
        .sort({ createdAt: 1, _id: 1 })
        .toArray();
      if (candidates.length === 0) return [];
      const inUse = new Set(
        (await c.users.find({ avatarUrl: { $regex: `^${avatarPrefix}` } }, { projection: { avatarUrl: 1 } }).toArray()).map(
          (u) => (u.avatarUrl ?? '').slice(avatarPrefix.length).split(/[?#/]/)[0],
        ),
      );
      return withLinks(candidates.filter((u) => !inUse.has(u._id)).slice(0, Math.max(0, limit)));
    },

    async deleteUpload(id) {
      await c.uploadLinks.deleteOne({ _id: id });
      await c.uploads.deleteOne({ _id: id });
    },
  };
}
