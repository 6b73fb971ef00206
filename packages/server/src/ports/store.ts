import type { Announcement, Member, Message, MessageKind, Notice, ReplyQuote, Role, RoomKind, User } from '@chatchat/protocol';
import type { UploadStore } from './upload-store.js';
import type { JobStore } from './job-store.js';
import type { ConversationStore, RoomExtras } from './conversation-store.js';

/**
 * Persistence port. Services see only this; the Kysely adapter implements it for
 * SQLite and PostgreSQL. Every method is one atomic unit of work.
 * Domain errors are thrown as `AppError` (see ../errors.ts) so services need no driver knowledge.
 */
export interface Store extends UploadStore, JobStore, ConversationStore {
  readonly dialect: 'sqlite' | 'postgres' | 'mongodb';
  /** Runs pending migrations. Idempotent. */
  migrate(): Promise<void>;
  /** Cheap round trip for readiness checks. */
  ping(): Promise<void>;
  close(): Promise<void>;

  // users
  /** Throws AppError('conflict') when the username is taken (case-insensitive). */
  createUser(input: NewUser): Promise<UserRecord>;
  findUserByUsername(username: string): Promise<UserRecord | undefined>;
  getUser(id: string): Promise<UserRecord | undefined>;
  getUsers(ids: readonly string[]): Promise<UserRecord[]>;
  updateUser(id: string, patch: UserPatch): Promise<UserRecord>;
  setPlatformAdmin(userId: string, isAdmin: boolean): Promise<void>;
  /** Username or display-name prefix, case-insensitive, ordered by lowercased username; `afterKey` pages. */
  searchUsers(input: { query: string; limit: number; afterKey?: string }): Promise<UserRecord[]>;

  // refresh tokens (stored hashed; the store never sees a raw token)
  insertRefreshToken(row: RefreshTokenRow): Promise<void>;
  /**
   * Marks the token used and returns it, atomically: of two concurrent calls with
   * the same hash, exactly one gets `{ status: 'ok' }`. A hash already used gives
   * `{ status: 'reused' }` (the caller revokes the family).
   */
  useRefreshToken(
    tokenHash: string,
    now: string,
  ): Promise<{ status: 'ok'; row: RefreshTokenRow } | { status: 'reused'; row: RefreshTokenRow } | { status: 'missing' }>;
  revokeRefreshFamily(familyId: string): Promise<void>;

  // sessions (one per login; the id is the refresh family and the access token's sid)
  createSession(row: SessionRecord): Promise<void>;
  getSession(id: string): Promise<SessionRecord | undefined>;
  /**
   * Marks the sessions revoked and deletes their refresh tokens; returns the ids that were
   * still live. `exceptId` keeps the caller's own session (password change).
   */
  revokeSessions(filter: { id: string } | { userId: string; exceptId?: string }, now: string): Promise<string[]>;
  /** Sessions revoked at or after `since`: their access tokens may still be unexpired. */
  listRevokedSessionIds(since: string): Promise<string[]>;
  /** Deletes expired refresh tokens, expired sessions and sessions revoked before `revokedBefore`. */
  sweepSessions(now: string, revokedBefore: string): Promise<{ sessions: number; refreshTokens: number }>;
  setPasswordHash(userId: string, passwordHash: string): Promise<void>;

  // rooms and members
  /** Creates the room and its members (the creator as owner) in one transaction. */
  createRoom(input: NewRoom): Promise<RoomRecord>;
  /** Direct rooms are keyed by the sorted pair of user ids; returns the existing one when there is one. */
  getOrCreateDirectRoom(input: { userA: string; userB: string; now: string }): Promise<{ room: RoomRecord; created: boolean }>;
  getRoom(id: string): Promise<RoomRecord | undefined>;
  updateRoom(id: string, patch: { name?: string; avatarUrl?: string | null; description?: string | null }): Promise<RoomRecord>;
  /** Rooms the user is a current member of, each with the user's member row and the room's last message and active notice. */
  listRoomsForUser(userId: string): Promise<RoomView[]>;
  /** One room as `listRoomsForUser` would show it, or undefined if the user is not a current member. */
  getRoomForUser(roomId: string, userId: string): Promise<RoomView | undefined>;
  /** Current member row, or undefined if not a member (never joined, left, or kicked). */
  getMember(roomId: string, userId: string): Promise<MemberRecord | undefined>;
  listMembers(roomId: string): Promise<MemberRecord[]>;
  /** Current members of every room asked, in one round trip (snapshots). */
  listMembersOfRooms(roomIds: readonly string[]): Promise<MemberRecord[]>;
  listRoomIdsForUser(userId: string): Promise<string[]>;
  /**
   * Adds users (or re-adds former members) with `joinedSeq = lastReadSeq = room.lastSeq`.
   * Returns only the rows that were actually added; current members are skipped.
   */
  addMembers(roomId: string, userIds: readonly string[], role: Role, now: string): Promise<MemberRecord[]>;
  /** Marks the member as left. Returns false if they were not a current member. */
  removeMember(roomId: string, userId: string, now: string): Promise<boolean>;
  setMemberRole(roomId: string, userId: string, role: Role): Promise<MemberRecord>;

  // messages
  /**
   * The send rules live here, in the store, not in services or clients: the store checks
   * that the sender is a current member of the room (else `not_found` 'room', and no seq is
   * used), assigns the room's next seq (gap-free, in call order for one caller), moves the
   * sender's read pointer to it, and recognises a retry: a second call with the same
   * (senderId, clientMsgId) stores nothing and returns the stored message with
   * `duplicate: true`, whatever room it names. Every adapter implements them once, in the
   * shared group-commit writer (adapters/store/group-commit-writer.ts); the contract suite
   * (store-contract/messages.ts) is their specification.
   */
  insertMessage(input: NewMessage): Promise<{ message: Message; duplicate: boolean }>;
  getMessage(id: string): Promise<Message | undefined>;
  /** Ascending by seq. With afterSeq: the first `limit` after it; otherwise the last `limit` before beforeSeq (or the end). */
  listMessages(roomId: string, page: { afterSeq?: number; beforeSeq?: number; limit: number }): Promise<Message[]>;
  updateMessageBody(id: string, body: string, now: string): Promise<Message>;
  markMessageDeleted(id: string, now: string): Promise<Message>;

  // read pointers
  /** Moves the pointer forward only; returns the pointer after the call. */
  advanceReadPointer(roomId: string, userId: string, seq: number): Promise<number>;

  // notices and announcements
  /** Deactivates any previous active notice of the room and stores this one as active. */
  createNotice(input: { roomId: string; authorId: string; body: string; now: string }): Promise<Notice>;
  getNotice(id: string): Promise<(Notice & { active: boolean }) | undefined>;
  /** Returns false when it was not active. */
  deactivateNotice(id: string): Promise<boolean>;
  createAnnouncement(input: { authorId: string; body: string; now: string }): Promise<Announcement>;
  listAnnouncements(limit: number): Promise<Announcement[]>;
}

export interface UserRecord extends User {
  passwordHash: string;
  isPlatformAdmin: boolean;
  createdAt: string;
}
export type NewUser = { username: string; displayName: string; passwordHash: string; now: string };
export type UserPatch = Partial<Pick<User, 'displayName' | 'avatarUrl' | 'statusMessage'>>;

export interface RefreshTokenRow {
  tokenHash: string;
  userId: string;
  familyId: string;
  expiresAt: string;
  createdAt: string;
}

export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: string;
  /** Absolute: no refresh extends it. */
  expiresAt: string;
  revokedAt: string | null;
}

export interface RoomRecord {
  id: string;
  kind: RoomKind;
  name: string;
  avatarUrl: string | null;
  lastSeq: number;
  createdAt: string;
  description: string | null;
}
export type NewRoom = { kind: RoomKind; name: string; creatorId: string; memberIds: readonly string[]; now: string };

export interface MemberRecord extends Member {
  roomId: string;
}

export interface RoomView {
  room: RoomRecord;
  member: MemberRecord;
  memberCount: number;
  lastMessage: Message | null;
  notice: Notice | null;
  /** For direct rooms: the other member's id. */
  peerId: string | null;
  /**
   * The viewer's extras when the view's own query could tell them (settings, and no unread
   * mention and no pin to load); otherwise `roomExtras` fetches them.
   */
  extras?: RoomExtras;
}

export type NewMessage = {
  roomId: string;
  senderId: string;
  kind: MessageKind;
  body: string;
  clientMsgId: string | null;
  now: string;
  /** The quote of the message this one answers (validated by the caller: same room). */
  replyTo?: ReplyQuote | null;
  /** Mentioned current members (resolved by the caller); ignored when `mentionsAll`. */
  mentions?: readonly string[];
  mentionsAll?: boolean;
};
