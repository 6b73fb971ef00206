import type { UploadRecord, UploadStore } from '../../../ports/upload-store.js';
import { inChunks } from '../in-chunks.js';
import { type Collections, type UploadDoc, sendKey, toMessage } from './mongo-documents.js';

const toUpload = ({ _id, ...rest }: UploadDoc): UploadRecord => ({ id: _id, ...rest });
const avatarPrefix = '/api/v1/attachments/';

/** Documents listed per sweep query while looking for `limit` that qualify. */
const SWEEP_BATCH = 500;

/**
 * Uploads, one document per upload by `_id`. A send's claim of several uploads is made
 * all-or-nothing without transactions: each is claimed by a conditional update, and when
 * one does not qualify the ones this call claimed are given back.
 */
export function createMongoUploadStore(c: Collections): UploadStore {
  const getUpload = async (id: string) => {
    const d = await c.uploads.findOne({ _id: id });
    return d ? toUpload(d) : undefined;
  };

  return {
    async createUpload({ id, ...u }) {
      await c.uploads.insertOne({
        _id: id,
        ...u,
        claimKey: null,
        messageId: null,
        width: null,
        height: null,
        placeholder: null,
        completedAt: null,
      });
    },
    getUpload,
    async getUploads(ids) {
      return (await inChunks([...new Set(ids)], (part) => c.uploads.find({ _id: { $in: part } }).toArray())).map(toUpload);
    },
    async updateUpload(id, patch) {
      const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
      if (Object.keys(set).length > 0) await c.uploads.updateOne({ _id: id }, { $set: set });
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
      const qualifies = { ownerId, roomId, purpose: 'message' as const };
      const claimed: string[] = [];
      let ok = true;
      for (const _id of unique) {
        const res = await c.uploads.updateOne({ _id, ...qualifies, state: 'complete', claimKey: null }, { $set: { claimKey } });
        if (res.modifiedCount > 0) {
          claimed.push(_id);
          continue;
        }
        // Already ours (a retried send) qualifies too; anything else refuses the whole claim.
        if (!(await c.uploads.findOne({ _id, ...qualifies, claimKey }, { projection: { _id: 1 } }))) {
          ok = false;
          break;
        }
      }
      if (!ok) {
        for (const _id of claimed) await c.uploads.updateOne({ _id, claimKey, messageId: null }, { $set: { claimKey: null } });
      }
      return ok;
    },
    async releaseClaim(ownerId, claimKey) {
      await c.uploads.updateMany({ ownerId, claimKey, messageId: null }, { $set: { claimKey: null } });
    },
    async linkClaim(ownerId, claimKey, messageId) {
      await c.uploads.updateMany({ ownerId, claimKey }, { $set: { messageId, state: 'attached' } });
    },
    async repairClaims() {
      const loose = await c.uploads.find({ messageId: null, claimKey: { $ne: null } }).toArray();
      let repaired = 0;
      for (const u of loose) {
        // The claim key is the send's client message id: its message, if any, has this send key.
        const m = await c.messages.findOne(
          { sendKey: sendKey({ senderId: u.ownerId, clientMsgId: u.claimKey, id: '' }) },
          { projection: { _id: 1 } },
        );
        if (!m) continue;
        const res = await c.uploads.updateOne({ _id: u._id, messageId: null }, { $set: { messageId: m._id, state: 'attached' } });
        repaired += res.modifiedCount;
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
      const docs = await c.uploads
        .find({ state: { $in: ['pending', 'complete'] }, messageId: null, claimKey: null, purpose: 'message', createdAt: { $lt: cutoff } })
        .sort({ createdAt: 1, _id: 1 })
        .limit(Math.max(0, limit))
        .toArray();
      return docs.map(toUpload);
    },

    async listUploadsOfDeletedMessages(cutoff, limit) {
      // No $lookup: attached uploads in batches, each batch's messages by `_id`.
      const out: UploadRecord[] = [];
      let after = '';
      while (out.length < limit) {
        const batch = await c.uploads
          .find({ messageId: { $ne: null }, _id: { $gt: after } })
          .sort({ _id: 1 })
          .limit(SWEEP_BATCH)
          .toArray();
        if (batch.length === 0) break;
        after = batch[batch.length - 1]!._id;
        const gone = new Set(
          (
            await c.messages
              .find(
                { _id: { $in: [...new Set(batch.map((u) => u.messageId!))] }, deletedAt: { $ne: null, $lt: cutoff } },
                { projection: { _id: 1 } },
              )
              .toArray()
          ).map((m) => m._id),
        );
        out.push(...batch.filter((u) => gone.has(u.messageId!)).map(toUpload));
        if (batch.length < SWEEP_BATCH) break;
      }
      return out.slice(0, limit);
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
      return candidates
        .filter((u) => !inUse.has(u._id))
        .slice(0, Math.max(0, limit))
        .map(toUpload);
    },

    async deleteUpload(id) {
      await c.uploads.deleteOne({ _id: id });
    },
  };
}
