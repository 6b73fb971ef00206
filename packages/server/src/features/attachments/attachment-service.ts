import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import {
  Limits,
  type Attachment,
  type AttachmentVariant,
  type CreateUploadBody,
  type Message,
  type Upload,
  type UploadTransfer,
  type UploadUsageResponse,
} from '@chatchat/protocol';
import type { UploadConfig } from '../../config.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { Clock } from '../../ports/clock.js';
import type { Store } from '../../ports/store.js';
import type { UploadRecord } from '../../ports/upload-store.js';
import type { JobRecord } from '../../ports/job-store.js';
import type { Logger } from '../../logger.js';
import type { EventPublisher } from '../../realtime/event-publisher.js';
import { AppError, invalid, notFound } from '../../errors.js';
import { toPublicUser } from '../auth/auth-service.js';
import { checkFileName, contentDisposition } from './file-name.js';
import { inlineImageTypes, normaliseContentType, sniffBytes, sniffMismatch } from './content-check.js';
import { readImageInfo, renderThumbnails, stripMetadata } from './image-info.js';
import { createDownloadLinks } from './download-link.js';
import { createUploadRate } from './upload-rate.js';
import { PermanentJobError } from './jobs/queue-worker.js';

export const imageJobKind = 'image-variants';

const messageSizes: Partial<Record<AttachmentVariant, number>> = { thumb320: 320, thumb1280: 1280 };
const avatarSizes: Partial<Record<AttachmentVariant, number>> = { avatar64: 64, avatar256: 256 };

export interface AttachmentServiceOptions {
  config: UploadConfig;
  store: Store;
  blobs: BlobStore;
  clock: Clock;
  events: EventPublisher;
  log: Logger;
  /** Signs download links; the process's token secret. */
  secret: string;
  /** Called after a job is enqueued, so an in-process runner starts it at once. */
  onJobEnqueued?: () => void;
}

export type AttachmentService = ReturnType<typeof createAttachmentService>;

/** What a download route serves: the blob, its headers, or a redirect for S3. */
export interface DownloadPlan {
  key: string;
  size: number;
  contentType: string;
  disposition: string;
  redirect?: () => Promise<string>;
}

export const attachmentPath = (id: string) => `/api/v1/attachments/${id}`;
const variantKey = (u: UploadRecord, v: AttachmentVariant) => `${u.storageKey.replace(/\/original$/, '')}/${v}.webp`;
const uploadKeys = (u: UploadRecord) => [
  u.storageKey,
  ...Object.keys({ ...messageSizes, ...avatarSizes }).map((v) => variantKey(u, v as AttachmentVariant)),
];

export function toAttachment(u: UploadRecord): Attachment {
  return {
    id: u.id,
    name: u.name,
    contentType: u.contentType,
    size: u.size,
    ...(u.width !== null ? { width: u.width } : {}),
    ...(u.height !== null ? { height: u.height } : {}),
    ...(u.placeholder !== null ? { placeholder: u.placeholder } : {}),
    variants: u.variants,
    url: attachmentPath(u.id),
  };
}

function toUpload(u: UploadRecord): Upload {
  return {
    id: u.id,
    purpose: u.purpose,
    roomId: u.roomId,
    name: u.name,
    contentType: u.contentType,
    size: u.size,
    state: u.state,
    createdAt: u.createdAt,
    attachment: u.state === 'pending' ? null : toAttachment(u),
  };
}

export function createAttachmentService({ config, store, blobs, clock, events, log, secret, onJobEnqueued }: AttachmentServiceOptions) {
  const links = createDownloadLinks({ secret });
  const rate = createUploadRate({ perMinute: config.ratePerMinute, clock });
  const allowed = new Set(config.allowedTypes);

  async function own(userId: string, uploadId: string): Promise<UploadRecord> {
    const u = await store.getUpload(uploadId);
    // Someone else's upload does not exist for you.
    if (!u || u.ownerId !== userId) throw notFound('upload');
    return u;
  }

  async function transferFor(u: UploadRecord): Promise<UploadTransfer> {
    if (blobs.createDirectUpload) {
      const direct = await blobs.createDirectUpload(u.storageKey, {
        maxBytes: u.size,
        contentType: u.contentType,
        expiresInSec: config.linkTtlSec,
      });
      return { kind: 'post-form', method: 'POST', url: direct.url, fields: direct.fields, expiresAt: direct.expiresAt };
    }
    return { kind: 'put', method: 'PUT', url: `/api/v1/uploads/${u.id}/content`, headers: { 'content-type': 'application/octet-stream' } };
  }

  async function readHead(key: string, size: number): Promise<Buffer> {
    const stream = await blobs.read(key, { start: 0, end: Math.min(size, sniffBytes) - 1 });
    if (!stream) throw new AppError('conflict', 'no bytes uploaded yet');
    return buffer(stream);
  }

  async function readAll(key: string): Promise<Buffer> {
    const stream = await blobs.read(key);
    if (!stream) throw new PermanentJobError(`blob ${key} is missing`);
    return buffer(stream);
  }

  /** Writes the current attachments of a message and tells the room, if the upload is on one. */
  async function refreshMessage(u: UploadRecord): Promise<void> {
    if (!u.messageId) return;
    const message = await store.getMessage(u.messageId);
    if (!message || message.deletedAt || !message.attachments) return;
    const rows = await store.getUploads(message.attachments.map((a) => a.id));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const next = message.attachments.map((a) => (byId.has(a.id) ? toAttachment(byId.get(a.id)!) : a));
    if (JSON.stringify(next) === JSON.stringify(message.attachments)) return;
    const updated = await store.setMessageAttachments(message.id, next);
    if (updated) await events.toRoom(updated.roomId, 'message.updated', { message: updated });
  }

  async function deleteFiles(u: UploadRecord) {
    for (const key of uploadKeys(u)) await blobs.delete(key);
    await store.deleteUpload(u.id);
  }

  return {
    async create(userId: string, body: CreateUploadBody): Promise<{ upload: Upload; transfer: UploadTransfer }> {
      const name = checkFileName(body.name);
      const contentType = normaliseContentType(body.contentType);
      if (!allowed.has(contentType)) throw new AppError('unsupported_type', `content type ${contentType} is not allowed`);
      if (body.size > config.maxBytes) throw new AppError('too_large', `files are limited to ${config.maxBytes} bytes`);
      if (body.purpose === 'message') {
        if (!body.roomId) throw invalid('roomId is required for message uploads');
        if (!(await store.getMember(body.roomId, userId))) throw notFound('room');
      } else {
        if (body.roomId) throw invalid('avatar uploads have no roomId');
        if (!inlineImageTypes.has(contentType)) throw new AppError('unsupported_type', 'avatars are png, jpeg, gif or webp');
      }
      const used = await store.sumUploadBytes(userId);
      if (used + body.size > config.quotaBytes) {
        throw new AppError('quota_exceeded', `this upload would pass your quota: ${used} of ${config.quotaBytes} bytes used`);
      }
      rate.take(userId);
      const id = randomUUID();
      const u: UploadRecord = {
        id,
        ownerId: userId,
        purpose: body.purpose,
        roomId: body.roomId ?? null,
        name,
        contentType,
        size: body.size,
        storageKey: `uploads/${userId}/${id}/original`,
        state: 'pending',
        claimKey: null,
        messageId: null,
        width: null,
        height: null,
        placeholder: null,
        variants: [],
        createdAt: clock.nowIso(),
        completedAt: null,
      };
      await store.createUpload(u);
      return { upload: toUpload(u), transfer: await transferFor(u) };
    },

    /** The upload, and while pending a fresh transfer: how a client retries after a failure. */
    async status(userId: string, uploadId: string): Promise<{ upload: Upload; transfer: UploadTransfer | null }> {
      const u = await own(userId, uploadId);
      return { upload: toUpload(u), transfer: u.state === 'pending' ? await transferFor(u) : null };
    },

    /** Local store: the bytes, streamed, cut off past the declared size. Sending again replaces them. */
    async putContent(userId: string, uploadId: string, body: Readable): Promise<Upload> {
      const u = await own(userId, uploadId);
      if (blobs.kind !== 'local') throw new AppError('conflict', 'send the bytes to the transfer URL of the upload');
      if (u.state !== 'pending') throw new AppError('conflict', 'upload already complete');
      try {
        await blobs.put(u.storageKey, body, { maxBytes: u.size, contentType: u.contentType });
      } catch (err) {
        if (err instanceof AppError && err.code === 'too_large') throw new AppError('too_large', `more bytes than the declared ${u.size}`);
        throw err;
      }
      return toUpload(u);
    },

    /**
     * Checks what arrived: exactly the declared size, and bytes of the declared type. A file
     * that fails is deleted (the upload stays pending, so correct bytes can be sent again).
     * Images get their size and placeholder now and their thumbnails from a job.
     */
    async complete(userId: string, uploadId: string): Promise<Upload> {
      const u = await own(userId, uploadId);
      if (u.state !== 'pending') return toUpload(u);
      const stored = await blobs.head(u.storageKey);
      if (!stored) throw new AppError('conflict', 'no bytes uploaded yet');
      if (stored.size !== u.size) {
        await blobs.delete(u.storageKey);
        if (stored.size > u.size) throw new AppError('too_large', `got ${stored.size} bytes, more than the declared ${u.size}`);
        throw invalid(`got ${stored.size} of the declared ${u.size} bytes; send them again`);
      }
      const mismatch = await sniffMismatch(u.contentType, await readHead(u.storageKey, u.size));
      if (mismatch) {
        await blobs.delete(u.storageKey);
        throw new AppError('unsupported_type', `the bytes are ${mismatch}, not ${u.contentType}`);
      }
      const patch: Partial<UploadRecord> = { state: 'complete', completedAt: clock.nowIso() };
      const raster = inlineImageTypes.has(u.contentType);
      if (raster) {
        try {
          Object.assign(patch, await readImageInfo(await readAll(u.storageKey)));
        } catch (err) {
          // Bytes with an image's magic number that do not decode: kept as a plain file.
          log.info({ err, upload: u.id }, 'image did not decode; kept as a plain file');
        }
      }
      const done = (await store.updateUpload(u.id, patch))!;
      if (raster) {
        await store.enqueueJob({ kind: imageJobKind, key: u.id, payload: { uploadId: u.id }, now: clock.nowIso() });
        onJobEnqueued?.();
      }
      return toUpload(done);
    },

    async usage(userId: string): Promise<UploadUsageResponse> {
      return {
        usedBytes: await store.sumUploadBytes(userId),
        quotaBytes: config.quotaBytes,
        maxUploadBytes: config.maxBytes,
        allowedTypes: [...config.allowedTypes],
      };
    },

    /**
     * Before a send: the uploads become this send's, atomically (owner, room, complete,
     * not on another message). A retried send (same clientMsgId) claims the same ones again.
     */
    async claimForSend(senderId: string, roomId: string, uploadIds: readonly string[], clientMsgId: string): Promise<Attachment[]> {
      if (uploadIds.length > Limits.maxAttachmentsPerMessage)
        throw invalid(`at most ${Limits.maxAttachmentsPerMessage} attachments per message`);
      if (new Set(uploadIds).size !== uploadIds.length) throw invalid('an upload is listed twice');
      const rows = await store.getUploads(uploadIds);
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const id of uploadIds) {
        const u = byId.get(id);
        if (!u || u.ownerId !== senderId) throw notFound('upload');
        if (u.purpose !== 'message') throw invalid('an avatar upload cannot be sent as an attachment');
        if (u.roomId !== roomId) throw new AppError('forbidden', 'the upload was made for another room');
        if (u.state === 'pending') throw new AppError('conflict', 'upload not complete');
        if (u.claimKey !== null && u.claimKey !== clientMsgId) throw new AppError('conflict', 'upload already attached to a message');
      }
      if (!(await store.claimUploads({ ids: uploadIds, ownerId: senderId, roomId, claimKey: clientMsgId }))) {
        throw new AppError('conflict', 'upload already attached to a message');
      }
      return uploadIds.map((id) => toAttachment(byId.get(id)!));
    },

    /**
     * After the message row committed: the uploads point at it and the message carries
     * them. Both steps are idempotent, so a retried send (or the sweep, after a crash
     * between the two) finishes what a first try left half done.
     */
    async linkToMessage(senderId: string, clientMsgId: string, message: Message, uploadIds: readonly string[]): Promise<Message> {
      await store.linkClaim(senderId, clientMsgId, message.id);
      const current = async () => {
        const byId = new Map((await store.getUploads(uploadIds)).map((r) => [r.id, r]));
        return uploadIds.flatMap((id) => (byId.has(id) ? [toAttachment(byId.get(id)!)] : []));
      };
      let attachments = await current();
      if (JSON.stringify(attachments) === JSON.stringify(message.attachments)) return message;
      let stored = (await store.setMessageAttachments(message.id, attachments)) ?? message;
      // A thumbnail job that finished while we wrote saw no attachments on the message yet
      // and left the message alone; read once more so its result is not lost.
      attachments = await current();
      if (JSON.stringify(attachments) !== JSON.stringify(stored.attachments)) {
        stored = (await store.setMessageAttachments(message.id, attachments)) ?? stored;
      }
      return stored;
    },

    /** Releases the claim of a send that did not store a message. */
    releaseSend: (senderId: string, clientMsgId: string) => store.releaseClaim(senderId, clientMsgId),

    /** A deleted message shows no files at once; the files go after the grace period (sweep). */
    async onMessageDeleted(message: Message): Promise<Message> {
      if (!message.attachments?.length) return message;
      return (await store.setMessageAttachments(message.id, null)) ?? message;
    },

    /** Sets the user's avatar to a completed avatar upload; `user.updated` reaches their peers. */
    async avatarUrlFor(userId: string, uploadId: string): Promise<string> {
      const u = await own(userId, uploadId);
      if (u.purpose !== 'avatar') throw invalid('not an avatar upload');
      if (u.state === 'pending') throw new AppError('conflict', 'upload not complete');
      if (u.state !== 'attached') await store.updateUpload(u.id, { state: 'attached' });
      return u.variants.includes('avatar256') ? `${attachmentPath(u.id)}?variant=avatar256` : attachmentPath(u.id);
    },

    /**
     * Who may read: avatars, any signed-in user; message files, current members of the room
     * while the message stands; files not sent yet, their owner.
     */
    async planDownload(userId: string, attachmentId: string, variant: AttachmentVariant | undefined): Promise<DownloadPlan> {
      const u = await store.getUpload(attachmentId);
      if (!u || u.state === 'pending') throw notFound('attachment');
      if (u.purpose === 'message') {
        if (u.messageId) {
          if (!(await store.getMember(u.roomId!, userId))) throw notFound('attachment');
          const message = await store.getMessage(u.messageId);
          if (!message || message.deletedAt) throw notFound('attachment');
        } else if (u.ownerId !== userId) {
          throw notFound('attachment');
        }
      }
      const raster = inlineImageTypes.has(u.contentType);
      if (variant) {
        if (!u.variants.includes(variant)) {
          const job = raster ? await store.getJob(imageJobKind, u.id) : undefined;
          if (job && job.state === 'queued') throw new AppError('not_ready', 'thumbnail not made yet; it arrives with message.updated');
          throw notFound('variant');
        }
        const key = variantKey(u, variant);
        const info = await blobs.head(key);
        if (!info) throw notFound('variant');
        return this.plan(key, info.size, 'image/webp', contentDisposition('inline', `${u.name}.${variant}.webp`));
      }
      if (raster && u.variants.length === 0 && u.ownerId !== userId) {
        // Until the worker has re-encoded it, the original may still carry EXIF (GPS).
        const job = await store.getJob(imageJobKind, u.id);
        if (job && job.state === 'queued') throw new AppError('not_ready', 'image still being processed; it arrives with message.updated');
      }
      // Only a decoded, re-encoded raster image is shown inline; everything else is a download.
      const inline = raster && u.variants.length > 0;
      const info = await blobs.head(u.storageKey);
      if (!info) throw notFound('attachment');
      return this.plan(
        u.storageKey,
        info.size,
        inline ? u.contentType : 'application/octet-stream',
        contentDisposition(inline ? 'inline' : 'attachment', u.name),
      );
    },

    plan(key: string, size: number, contentType: string, disposition: string): DownloadPlan {
      const plan: DownloadPlan = { key, size, contentType, disposition };
      if (blobs.createDirectDownload) {
        const direct = blobs.createDirectDownload.bind(blobs);
        plan.redirect = () => direct(key, { expiresInSec: config.linkTtlSec, contentType, contentDisposition: disposition });
      }
      return plan;
    },

    read: (key: string, range?: { start: number; end: number }) => blobs.read(key, range),

    /** A signed same-origin link, checked for access now and again when used. */
    async link(userId: string, attachmentId: string, variant: AttachmentVariant | undefined): Promise<{ url: string; expiresAt: string }> {
      await this.planDownload(userId, attachmentId, variant);
      const exp = Math.floor(clock.now().getTime() / 1000) + config.linkTtlSec;
      return { url: links.sign(attachmentId, variant, userId, exp), expiresAt: new Date(exp * 1000).toISOString() };
    },

    /** The user a signed link speaks for; throws when it is forged or expired. */
    verifyLink(attachmentId: string, variant: string | undefined, q: { u: string; exp: number; sig: string }): string {
      if (!links.verify(attachmentId, variant, q.u, q.exp, q.sig)) throw new AppError('forbidden', 'bad link signature');
      if (q.exp * 1000 < clock.now().getTime()) throw new AppError('forbidden', 'link expired; ask for a new one');
      return q.u;
    },

    /**
     * The image job: thumbnails (messages) or avatar sizes, and the original re-encoded
     * without metadata. Idempotent: every output has a fixed key and is replaced whole,
     * so a second run after a crash writes the same objects and the same row.
     */
    async processImage(job: JobRecord): Promise<void> {
      const { uploadId } = job.payload as { uploadId: string };
      const u = await store.getUpload(uploadId);
      if (!u) return;
      let original: Buffer;
      let clean: Buffer;
      let renditions;
      try {
        original = await readAll(u.storageKey);
        const sizes = u.purpose === 'avatar' ? avatarSizes : messageSizes;
        renditions = await renderThumbnails(original, sizes as Record<string, number>);
        clean = await stripMetadata(original, u.contentType);
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw new PermanentJobError(`image did not decode: ${(err as Error).message}`);
      }
      for (const r of renditions) {
        await blobs.put(variantKey(u, r.name as AttachmentVariant), r.data, { maxBytes: r.data.length, contentType: r.contentType });
      }
      // The variants of the message reach clients only after the clean original has replaced the upload's bytes.
      if (clean.length !== original.length || !clean.equals(original)) {
        await blobs.put(u.storageKey, clean, { maxBytes: clean.length, contentType: u.contentType });
      }
      const info = u.width === null ? await readImageInfo(clean).catch(() => null) : null;
      const updated = (await store.updateUpload(u.id, {
        size: clean.length,
        variants: renditions.map((r) => r.name as AttachmentVariant),
        ...(info ?? {}),
      }))!;
      if (updated.purpose === 'avatar') {
        const owner = await store.getUser(updated.ownerId);
        if (owner?.avatarUrl?.startsWith(attachmentPath(updated.id))) {
          const user = toPublicUser(await store.updateUser(owner.id, { avatarUrl: `${attachmentPath(updated.id)}?variant=avatar256` }));
          await events.toPeers(owner.id, await store.listRoomIdsForUser(owner.id), 'user.updated', { user });
        }
        return;
      }
      await refreshMessage(updated);
    },

    refreshMessage,

    /**
     * Lifecycle: links sends that a crash left half done, then deletes never-attached
     * uploads older than the orphan TTL, files of messages deleted longer than the grace
     * period, and replaced avatars. Returns how many uploads were removed.
     */
    async sweep(batch = 200): Promise<{ orphans: number; deleted: number; avatars: number; repaired: number }> {
      const now = clock.now().getTime();
      const repaired = await store.repairClaims();
      const orphanCutoff = new Date(now - config.orphanTtlSec * 1000).toISOString();
      const graceCutoff = new Date(now - config.deletedGraceSec * 1000).toISOString();
      const orphans = await store.listOrphanUploads(orphanCutoff, batch);
      for (const u of orphans) await deleteFiles(u);
      const deleted = await store.listUploadsOfDeletedMessages(graceCutoff, batch);
      for (const u of deleted) await deleteFiles(u);
      const avatars = await store.listReplacedAvatars(orphanCutoff, batch);
      for (const u of avatars) await deleteFiles(u);
      return { orphans: orphans.length, deleted: deleted.length, avatars: avatars.length, repaired };
    },
  };
}
