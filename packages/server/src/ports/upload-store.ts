import type { Attachment, AttachmentVariant, Message, UploadPurpose } from '@chatchat/protocol';

export type UploadState = 'pending' | 'complete' | 'attached';

export interface UploadRecord {
  id: string;
  ownerId: string;
  purpose: UploadPurpose;
  roomId: string | null;
  name: string;
  contentType: string;
  /** Declared size; once complete, the stored size (they must match). */
  size: number;
  storageKey: string;
  state: UploadState;
  claimKey: string | null;
  messageId: string | null;
  width: number | null;
  height: number | null;
  placeholder: string | null;
  variants: AttachmentVariant[];
  createdAt: string;
  completedAt: string | null;
}

export type UploadPatch = Partial<Pick<UploadRecord, 'state' | 'size' | 'width' | 'height' | 'placeholder' | 'variants' | 'completedAt'>>;

/** The attachments area of the Store port (uploads table, 0004). */
export interface UploadStore {
  createUpload(row: UploadRecord): Promise<void>;
  getUpload(id: string): Promise<UploadRecord | undefined>;
  getUploads(ids: readonly string[]): Promise<UploadRecord[]>;
  updateUpload(id: string, patch: UploadPatch): Promise<UploadRecord | undefined>;
  /** Sum of sizes of the owner's uploads (pending ones at their declared size). */
  sumUploadBytes(ownerId: string): Promise<number>;
  /**
   * Claims every upload in `ids` for one send, atomically: each must be the owner's,
   * complete, for `roomId`, and unclaimed or already claimed by the same `claimKey` (a
   * retried send). Returns false and claims nothing when any one does not qualify.
   */
  claimUploads(input: { ids: readonly string[]; ownerId: string; roomId: string; claimKey: string }): Promise<boolean>;
  /** Undoes a claim whose send failed before a message existed. */
  releaseClaim(ownerId: string, claimKey: string): Promise<void>;
  /** The claimed uploads now belong to the message. */
  linkClaim(ownerId: string, claimKey: string, messageId: string): Promise<void>;
  /** Links uploads whose send committed but whose link was lost (a crash between the two). */
  repairClaims(): Promise<number>;
  /** Sets (or, with null, clears) a message's attachments JSON; undefined when there is no such message. */
  setMessageAttachments(messageId: string, attachments: Attachment[] | null): Promise<Message | undefined>;
  /** Never-attached uploads created before `cutoff`. */
  listOrphanUploads(cutoff: string, limit: number): Promise<UploadRecord[]>;
  /** Uploads of messages deleted before `cutoff`. */
  listUploadsOfDeletedMessages(cutoff: string, limit: number): Promise<UploadRecord[]>;
  /** Avatar uploads no user points at any more (replaced), completed before `cutoff`. */
  listReplacedAvatars(cutoff: string, limit: number): Promise<UploadRecord[]>;
  deleteUpload(id: string): Promise<void>;
}
