import type { Attachment, AttachmentVariant, UploadPurpose } from '@chatchat/protocol';
import { sql, type Selectable, type Updateable } from 'kysely';
import type { UploadRecord, UploadState, UploadStore } from '../../ports/upload-store.js';
import { toMessage } from './row-mappers.js';
import type { UploadsTable } from './schema.js';
import { inChunks, type StoreContext } from './store-context.js';

const int = (v: number | string | bigint | null) => (v === null ? null : Number(v));

function toUpload(r: Selectable<UploadsTable>): UploadRecord {
  return {
    id: r.id,
    ownerId: r.owner_id,
    purpose: r.purpose as UploadPurpose,
    roomId: r.room_id,
    name: r.name,
    contentType: r.content_type,
    size: Number(r.size),
    storageKey: r.storage_key,
    state: r.state as UploadState,
    claimKey: r.claim_key,
    messageId: r.message_id,
    width: int(r.width),
    height: int(r.height),
    placeholder: r.placeholder,
    variants: JSON.parse(r.variants) as AttachmentVariant[],
    createdAt: r.created_at,
    completedAt: r.completed_at,
  };
}

export function createUploadStore({ db }: StoreContext): UploadStore {
  return {
    async createUpload(u) {
      await db
        .insertInto('uploads')
        .values({
          id: u.id,
          owner_id: u.ownerId,
          purpose: u.purpose,
          room_id: u.roomId,
          name: u.name,
          content_type: u.contentType,
          size: u.size,
          storage_key: u.storageKey,
          state: u.state,
          claim_key: null,
          message_id: null,
          width: null,
          height: null,
          placeholder: null,
          variants: JSON.stringify(u.variants),
          created_at: u.createdAt,
          completed_at: null,
        })
        .execute();
    },

    async getUpload(id) {
      const row = await db.selectFrom('uploads').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toUpload(row);
    },

    async getUploads(ids) {
      if (ids.length === 0) return [];
      return inChunks(ids, async (part) => (await db.selectFrom('uploads').selectAll().where('id', 'in', part).execute()).map(toUpload));
    },

    async updateUpload(id, patch) {
      const set: Updateable<UploadsTable> = {};
      if (patch.state !== undefined) set.state = patch.state;
      if (patch.size !== undefined) set.size = patch.size;
      if (patch.width !== undefined) set.width = patch.width;
      if (patch.height !== undefined) set.height = patch.height;
      if (patch.placeholder !== undefined) set.placeholder = patch.placeholder;
      if (patch.variants !== undefined) set.variants = JSON.stringify(patch.variants);
      if (patch.completedAt !== undefined) set.completed_at = patch.completedAt;
      if (Object.keys(set).length > 0) await db.updateTable('uploads').set(set).where('id', '=', id).execute();
      return this.getUpload(id);
    },

    async sumUploadBytes(ownerId) {
      const row = await db
        .selectFrom('uploads')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size'), sql<number>`0`).as('total'))
        .where('owner_id', '=', ownerId)
        .executeTakeFirst();
      return Number(row?.total ?? 0);
    },

    async claimUploads({ ids, ownerId, roomId, claimKey }) {
      const unique = [...new Set(ids)];
      if (unique.length !== ids.length || unique.length === 0) return false;
      try {
        await db.transaction().execute(async (trx) => {
          const res = await trx
            .updateTable('uploads')
            .set({ claim_key: claimKey })
            .where('id', 'in', unique)
            .where('owner_id', '=', ownerId)
            .where('room_id', '=', roomId)
            .where('purpose', '=', 'message')
            .where((eb) => eb.or([eb.and([eb('state', '=', 'complete'), eb('claim_key', 'is', null)]), eb('claim_key', '=', claimKey)]))
            .executeTakeFirst();
          // Not all of them qualified: roll back the ones that did.
          if (Number(res.numUpdatedRows) !== unique.length) throw new ClaimRefused();
        });
        return true;
      } catch (err) {
        if (err instanceof ClaimRefused) return false;
        throw err;
      }
    },

    async releaseClaim(ownerId, claimKey) {
      await db
        .updateTable('uploads')
        .set({ claim_key: null })
        .where('owner_id', '=', ownerId)
        .where('claim_key', '=', claimKey)
        .where('message_id', 'is', null)
        .execute();
    },

    async linkClaim(ownerId, claimKey, messageId) {
      await db
        .updateTable('uploads')
        .set({ message_id: messageId, state: 'attached' })
        .where('owner_id', '=', ownerId)
        .where('claim_key', '=', claimKey)
        .execute();
    },

    async repairClaims() {
      const res = await db
        .updateTable('uploads')
        .set((eb) => ({
          message_id: eb
            .selectFrom('messages')
            .select('messages.id')
            .whereRef('messages.sender_id', '=', 'uploads.owner_id')
            .whereRef('messages.client_msg_id', '=', 'uploads.claim_key')
            .limit(1),
          state: 'attached',
        }))
        .where('message_id', 'is', null)
        .where('claim_key', 'is not', null)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('messages')
              .select('messages.id')
              .whereRef('messages.sender_id', '=', 'uploads.owner_id')
              .whereRef('messages.client_msg_id', '=', 'uploads.claim_key'),
          ),
        )
        .executeTakeFirst();
      return Number(res.numUpdatedRows);
    },

    async setMessageAttachments(messageId, attachments: Attachment[] | null) {
      await db
        .updateTable('messages')
        .set({ attachments: attachments && attachments.length > 0 ? JSON.stringify(attachments) : null })
        .where('id', '=', messageId)
        .execute();
      const row = await db.selectFrom('messages').selectAll().where('id', '=', messageId).executeTakeFirst();
      return row && toMessage(row);
    },

    async listOrphanUploads(cutoff, limit) {
      const rows = await db
        .selectFrom('uploads')
        .selectAll()
        .where('state', 'in', ['pending', 'complete'])
        .where('message_id', 'is', null)
        .where('claim_key', 'is', null)
        .where('purpose', '=', 'message')
        .where('created_at', '<', cutoff)
        .orderBy('created_at')
        .limit(limit)
        .execute();
      return rows.map(toUpload);
    },

    async listUploadsOfDeletedMessages(cutoff, limit) {
      const rows = await db
        .selectFrom('uploads')
        .innerJoin('messages', 'messages.id', 'uploads.message_id')
        .selectAll('uploads')
        .where('messages.deleted_at', 'is not', null)
        .where('messages.deleted_at', '<', cutoff)
        .limit(limit)
        .execute();
      return rows.map(toUpload);
    },

    async listReplacedAvatars(cutoff, limit) {
      // Never-used avatar uploads, and avatars replaced by a newer one.
      const rows = await db
        .selectFrom('uploads')
        .selectAll()
        .where('purpose', '=', 'avatar')
        .where('created_at', '<', cutoff)
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('users')
                .select('users.id')
                .where('users.avatar_url', 'like', sql<string>`'/api/v1/attachments/' || uploads.id || '%'`),
            ),
          ),
        )
        .limit(limit)
        .execute();
      return rows.map(toUpload);
    },

    async deleteUpload(id) {
      await db.deleteFrom('uploads').where('id', '=', id).execute();
    },
  };
}

class ClaimRefused extends Error {}
