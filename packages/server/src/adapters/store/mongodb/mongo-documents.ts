import type { Announcement, Attachment, Message, MessageKind, Notice, ReplyQuote, Role, RoomKind } from '@chatchat/protocol';
import type { Collection, Db } from 'mongodb';
import type { MemberRecord, RefreshTokenRow, RoomRecord, UserRecord } from '../../../ports/store.js';
import type { UploadRecord } from '../../../ports/upload-store.js';
import type { SlotDoc } from './mongo-slots.js';

/**
 * Document shapes. Every field under a unique index is always present (DocumentDB and
 * FerretDB have no partial indexes), hence the derived keys below.
 */
export interface UserDoc {
  _id: string;
  username: string;
  /** Lowercased username; unique. */
  usernameKey: string;
  displayName: string;
  avatarUrl: string | null;
  statusMessage: string | null;
  passwordHash: string;
  isPlatformAdmin: boolean;
  createdAt: string;
}

export interface RefreshTokenDoc {
  _id: string;
  userId: string;
  familyId: string;
  expiresAt: string;
  createdAt: string;
  usedAt: string | null;
}

/** A use of a refresh token: its unique `_id` (the hash) is the test-and-set. */
export interface RefreshUseDoc {
  _id: string;
  familyId: string;
  usedAt: string;
}

export interface RoomDoc {
  _id: string;
  kind: string;
  name: string;
  avatarUrl: string | null;
  /**
   * A hint, moved only up with `$max` after each insert: the messages' unique
   * {roomId, seq} index is the truth (a crash between the two leaves the hint behind).
   */
  lastSeq: number;
  /** Sorted pair for direct rooms, `group:<id>` otherwise; unique. */
  directKey: string;
  createdAt: string;
  description?: string | null;
}

export interface MemberDoc {
  /** `<roomId>:<userId>`: one row per pair, so a second insert of a pair trips `_id`. */
  _id: string;
  roomId: string;
  userId: string;
  role: string;
  joinedSeq: number;
  lastReadSeq: number;
  joinedAt: string;
  leftAt: string | null;
  /** Per-room notification settings; absent means the defaults. */
  notify?: string;
  muteUntil?: string | null;
}

export interface MessageDoc {
  _id: string;
  roomId: string;
  seq: number;
  senderId: string;
  kind: string;
  body: string;
  clientMsgId: string | null;
  /** `c:<senderId>:<clientMsgId>`, or `i:<id>` without a client id; unique: a retry trips it. */
  sendKey: string;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  /** Absent on documents written before replies and mentions existed. */
  replyTo?: ReplyQuote | null;
  mentions?: string[];
  mentionsAll?: boolean;
  /** Absent when the message has none. */
  attachments?: Attachment[];
  /** The search tokenizer's tokens of a text message's body; empty once deleted. */
  terms?: string[];
  /** Global search order (see `searchPosition`); absent on documents written before search. */
  searchPos?: number;
}

/** `<messageId>:<userId>:<emoji>`: one per user and emoji; `slot` is the emoji's place in the message's cap. */
export interface ReactionDoc {
  _id: string;
  messageId: string;
  roomId: string;
  userId: string;
  emoji: string;
  slot: number;
  createdAt: string;
}

/** `<roomId>:<messageId>`: a message is pinned once; `slot` is its place in the room's cap. */
export interface PinDoc {
  _id: string;
  roomId: string;
  messageId: string;
  seq: number;
  pinnedBy: string;
  pinnedAt: string;
  slot: number;
}

/** `<kind>:<key>`: one job per kind and key, so enqueuing is an insert that may trip `_id`. */
export interface JobDoc {
  _id: string;
  kind: string;
  key: string;
  payload: unknown;
  state: string;
  runAt: string;
  attempts: number;
  leaseOwner: string | null;
  leaseUntil: string | null;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/** `<jobId>#<attempt>`: the lease of one attempt; its unique insert is the test-and-set. */
export interface JobLeaseDoc {
  _id: string;
  owner: string;
  leaseUntil: string;
}

/** An upload's own fields, written by its uploader and the image worker. */
export type UploadDoc = Omit<UploadRecord, 'id' | 'claimKey' | 'messageId'> & { _id: string };

/**
 * Which send claimed an upload and which message it belongs to, apart from the upload
 * document: FerretDB writes an updated document back whole, so a send's claim and the
 * image worker's variants on one document would overwrite each other. `_id` is the
 * upload's; inserting it is the claim (two sends never both get one upload).
 */
export interface UploadLinkDoc {
  _id: string;
  ownerId: string;
  claimKey: string | null;
  messageId: string | null;
  /** The upload is in use (sent, or an avatar that was set). */
  attached: boolean;
}

export interface NoticeDoc {
  _id: string;
  roomId: string;
  authorId: string;
  body: string;
  createdAt: string;
  active: boolean;
  /** The room id while active, the notice id after; unique: one active notice per room. */
  activeKey: string;
}

export interface AnnouncementDoc {
  _id: string;
  authorId: string;
  body: string;
  createdAt: string;
}

export interface SessionDoc {
  _id: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

/** `<userId>\u0001<n>`: the user's n-th room (see mongo-member-index.ts); inserted, never changed. */
export interface UserRoomDoc {
  _id: string;
  userId: string;
  roomId: string;
}

/** `user:<id>` (the user's slot count, a lower bound) or `room:<id>` (roster version); raised only. */
export interface ClockDoc {
  _id: string;
  value: number;
}

export interface MetaDoc {
  _id: string;
  version: number;
}

export function collections(db: Db) {
  return {
    users: db.collection<UserDoc>('users'),
    refreshTokens: db.collection<RefreshTokenDoc>('refresh_tokens'),
    refreshUses: db.collection<RefreshUseDoc>('refresh_token_uses'),
    sessions: db.collection<SessionDoc>('sessions'),
    rooms: db.collection<RoomDoc>('rooms'),
    members: db.collection<MemberDoc>('members'),
    messages: db.collection<MessageDoc>('messages'),
    notices: db.collection<NoticeDoc>('notices'),
    announcements: db.collection<AnnouncementDoc>('announcements'),
    meta: db.collection<MetaDoc>('meta'),
    reactions: db.collection<ReactionDoc>('reactions'),
    reactionSlots: db.collection<SlotDoc>('reaction_slots'),
    pins: db.collection<PinDoc>('pins'),
    pinSlots: db.collection<SlotDoc>('pin_slots'),
    jobs: db.collection<JobDoc>('jobs'),
    jobLeases: db.collection<JobLeaseDoc>('job_leases'),
    uploads: db.collection<UploadDoc>('uploads'),
    uploadLinks: db.collection<UploadLinkDoc>('upload_links'),
    userRooms: db.collection<UserRoomDoc>('user_rooms'),
    memberClocks: db.collection<ClockDoc>('member_clocks'),
  };
}
export type Collections = ReturnType<typeof collections>;

export const memberId = (roomId: string, userId: string) => `${roomId}:${userId}`;
export const sendKey = (m: { senderId: string; clientMsgId: string | null; id: string }) =>
  m.clientMsgId === null ? `i:${m.id}` : `c:${m.senderId}:${m.clientMsgId}`;

/** Duplicate key: the one error code all three servers agree on (FerretDB gives no keyValue). */
export const isDuplicateKey = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === 11000;

/** Index of the first failed document of an ordered insertMany and whether it was a duplicate key. */
export function firstWriteError(err: unknown): { index: number; duplicate: boolean } | undefined {
  const raw = (err as { writeErrors?: unknown } | null)?.writeErrors;
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const first = list[0] as { index?: number; code?: number } | undefined;
  if (!first || typeof first.index !== 'number') return undefined;
  return { index: first.index, duplicate: first.code === 11000 };
}

export const toUser = (d: UserDoc): UserRecord => ({
  id: d._id,
  username: d.username,
  displayName: d.displayName,
  avatarUrl: d.avatarUrl ?? null,
  statusMessage: d.statusMessage ?? null,
  passwordHash: d.passwordHash,
  isPlatformAdmin: d.isPlatformAdmin === true,
  createdAt: d.createdAt,
});

export const toRefreshToken = (d: RefreshTokenDoc): RefreshTokenRow => ({
  tokenHash: d._id,
  userId: d.userId,
  familyId: d.familyId,
  expiresAt: d.expiresAt,
  createdAt: d.createdAt,
});

export const toRoom = (d: RoomDoc): RoomRecord => ({
  id: d._id,
  kind: d.kind as RoomKind,
  name: d.name,
  avatarUrl: d.avatarUrl ?? null,
  lastSeq: d.lastSeq,
  createdAt: d.createdAt,
  description: d.description ?? null,
});

export const toMember = (d: MemberDoc): MemberRecord => ({
  roomId: d.roomId,
  userId: d.userId,
  role: d.role as Role,
  joinedSeq: d.joinedSeq,
  lastReadSeq: d.lastReadSeq,
});

export const toMessage = (d: MessageDoc): Message => ({
  id: d._id,
  roomId: d.roomId,
  seq: d.seq,
  senderId: d.senderId,
  kind: d.kind as MessageKind,
  body: d.body,
  clientMsgId: d.clientMsgId ?? null,
  createdAt: d.createdAt,
  editedAt: d.editedAt ?? null,
  deletedAt: d.deletedAt ?? null,
  ...(d.attachments && d.attachments.length > 0 ? { attachments: d.attachments } : {}),
  replyTo: d.replyTo ?? null,
  mentions: d.mentions ?? [],
  mentionsAll: d.mentionsAll === true,
});

export const toNotice = (d: NoticeDoc): Notice => ({
  id: d._id,
  roomId: d.roomId,
  authorId: d.authorId,
  body: d.body,
  createdAt: d.createdAt,
});
export const toAnnouncement = (d: AnnouncementDoc): Announcement => ({
  id: d._id,
  authorId: d.authorId,
  body: d.body,
  createdAt: d.createdAt,
});

/** Raises in flight per collection and document: one at a time per document in a process. */
const raising = new WeakMap<object, Map<string, Promise<unknown>>>();

/**
 * Raises a numeric field to at least `target` with `$max` and checks it stuck. `$max` is
 * atomic on MongoDB and DocumentDB, but FerretDB applies an update as read, modify, write
 * back, so a racing lower `$max` can overwrite a higher one even after the higher one's
 * writer read it back (seen in the contract suite, half the runs with 20 racing raises).
 * So raises of one document take turns within this process, and each reads back and
 * raises again until it holds, which covers racing processes but for that narrow window.
 * With `upsert` a missing document is created. Returns the value read, undefined if the
 * document is gone.
 */
export async function raiseTo<T extends { _id: string }>(
  coll: Collection<T>,
  id: string,
  field: keyof T & string,
  target: number,
  { upsert = false }: { upsert?: boolean } = {},
): Promise<number | undefined> {
  let inFlight = raising.get(coll);
  if (!inFlight) raising.set(coll, (inFlight = new Map()));
  const key = `${field}:${id}`;
  const before = inFlight.get(key) ?? Promise.resolve();
  const mine = before.then(() => raiseOnce(coll, id, field, target, upsert));
  const settled = mine.catch(() => undefined);
  inFlight.set(key, settled);
  void settled.then(() => {
    if (inFlight.get(key) === settled) inFlight.delete(key);
  });
  return mine;
}

async function raiseOnce<T extends { _id: string }>(
  coll: Collection<T>,
  id: string,
  field: keyof T & string,
  target: number,
  upsert: boolean,
): Promise<number | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      await coll.updateOne({ _id: id } as never, { $max: { [field]: target } } as never, { upsert });
    } catch (err) {
      // Racing upserts of a missing document: one inserts, the others go round as updates.
      if (upsert && isDuplicateKey(err) && attempt < 20) continue;
      throw err;
    }
    const d = (await coll.findOne({ _id: id } as never, { projection: { [field]: 1 } })) as Record<string, unknown> | null;
    if (!d) return undefined;
    const value = d[field] as number;
    if (value >= target || attempt >= 20) return value;
  }
}

/** Lists up to this long are read by one `_id` lookup each; longer ones by one `$in` query. */
export const BY_ID_LOOKUPS = 100;

/**
 * The documents of `ids` that exist. FerretDB serves a filter from an index only when it
 * is exactly `{_id: <string>}` (an `$in`, or `_id` with any other condition, scans the
 * collection), so short lists are read one `_id` at a time, in parallel; MongoDB and
 * DocumentDB are fast either way.
 */
export async function findByIds<T extends { _id: string }>(coll: Collection<T>, ids: readonly string[]): Promise<T[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  if (unique.length > BY_ID_LOOKUPS) return (await coll.find({ _id: { $in: unique } } as never).toArray()) as T[];
  const docs = (await Promise.all(unique.map((_id) => coll.findOne({ _id } as never)))) as Array<T | null>;
  return docs.filter((d): d is T => d !== null);
}
