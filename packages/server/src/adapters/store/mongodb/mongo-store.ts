import type { Message, Notice } from '@chatchat/protocol';
import { MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { AppError, notFound } from '../../../errors.js';
import type { MemberRecord, RoomView, Store } from '../../../ports/store.js';
import { createGroupCommitWriter } from '../group-commit-writer.js';
import { inChunks } from '../in-chunks.js';
import { createMongoSessionStore } from './mongo-session-store.js';
import { createMongoUserSearchStore } from './mongo-user-search-store.js';
import { createMongoJobStore } from './mongo-job-store.js';
import { createMongoPinStore } from './mongo-pin-store.js';
import { createMongoReactionStore, dropReactions } from './mongo-reaction-store.js';
import { createMongoSearchStore, searchTerms } from './mongo-search-store.js';
import { createMongoUploadStore } from './mongo-upload-store.js';
import { createMongoRoomExtrasStore } from './mongo-room-extras-store.js';
import { MAX_SEQ, seqBounds } from '../message-store.js';
import { directKey } from '../room-store.js';
import { byActivity, peerFromKey } from '../room-view-store.js';
import { usernameKey } from '../user-store.js';
import {
  BY_ID_LOOKUPS,
  collections,
  findByIds,
  isDuplicateKey,
  memberId,
  raiseTo,
  toAnnouncement,
  toMember,
  toMessage,
  toNotice,
  toRefreshToken,
  toRoom,
  toUser,
  type MemberDoc,
  type RoomDoc,
} from './mongo-documents.js';
import { addUserRooms, createRosterCache, touchRoster, userRoomCandidates } from './mongo-member-index.js';
import { migrateMongo } from './mongo-migrations.js';
import { createMongoSendStatements, lastSeqHint } from './mongo-send-statements.js';

export interface MongoStoreOptions {
  /** mongodb:// or mongodb+srv://; the database is the URL's path (default `chatchat`). */
  url: string;
  poolSize?: number;
}

/**
 * The Store on MongoDB 6/7, AWS DocumentDB 5.0 and FerretDB 1.24, using only what all
 * three do: no transactions or sessions, no partial or TTL indexes, no $lookup, only
 * $sum in $group, no pipeline updates; every read-modify-write is made safe by a unique
 * index (retry on 11000) or a monotonic $max, never by findOneAndUpdate: capped sets
 * (reactions' emojis, pins) by numbered slot documents, job leases by a lease document per
 * attempt. Room lists, counts and rosters are read by `_id` through the member index
 * (mongo-member-index.ts): FerretDB serves no other filter from an index.
 */
export async function createMongoStore({ url, poolSize = 10 }: MongoStoreOptions): Promise<Store> {
  // DocumentDB before 8.0.2 refuses retryable writes; our writes are idempotent instead.
  const client = new MongoClient(url, { retryWrites: false, maxPoolSize: poolSize, readPreference: 'primary' });
  await client.connect();
  const c = collections(client.db());
  const writer = createGroupCommitWriter({ statements: createMongoSendStatements(c), maxBatch: 256 });
  const rosters = createRosterCache(c);
  let closing: Promise<void> | undefined;

  // Lookups by `_id` alone wherever possible: FerretDB serves only those from an index
  // (any other filter scans the collection); MongoDB and DocumentDB are fast either way.
  const requireUsers = async (ids: readonly string[]) => {
    const found = await inChunks(
      [...new Set(ids)],
      (part) => Promise.all(part.map((id) => c.users.findOne({ _id: id }, { projection: { _id: 1 } }))),
      100,
    );
    if (found.some((u) => !u)) throw notFound('user');
  };
  const currentMember = async (roomId: string, userId: string) => {
    const d = await c.members.findOne({ _id: memberId(roomId, userId) });
    return d && d.leftAt === null ? d : undefined;
  };

  /** The user's current member documents: by `_id` through their room slots, or one query for many rooms. */
  const currentRoomsOf = async (userId: string): Promise<MemberDoc[]> => {
    const candidates = await userRoomCandidates(c, userId);
    if (!candidates) return c.members.find({ userId, leftAt: null }).toArray();
    const docs = await findByIds(
      c.members,
      candidates.map((roomId) => memberId(roomId, userId)),
    );
    return docs.filter((d) => d.leftAt === null);
  };

  /** Joins: each user's room slot first, then the member documents, then the roster's version. */
  const insertMembers = async (roomId: string, docs: MemberDoc[]) => {
    await Promise.all(docs.map((d) => addUserRooms(c, d.userId, [roomId])));
    await inChunks(docs, (part) => insertIgnoringDuplicates(part));
    await touchRoster(c, roomId);
  };

  const memberDoc = (roomId: string, userId: string, role: string, seq: number, now: string): MemberDoc => ({
    _id: memberId(roomId, userId),
    roomId,
    userId,
    role,
    joinedSeq: seq,
    lastReadSeq: seq,
    joinedAt: now,
    leftAt: null,
  });

  /** Inserts what is missing; rows already there (a racing or repeated call) are kept. */
  const insertIgnoringDuplicates = async (docs: MemberDoc[]) => {
    if (docs.length === 0) return;
    try {
      await c.members.insertMany(docs, { ordered: false });
    } catch (err) {
      const raw = (err as { writeErrors?: unknown }).writeErrors;
      const list = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Array<{ code?: number }>;
      if (list.length === 0 || list.some((e) => e.code !== 11000)) throw err;
    }
  };

  const getRoom = async (id: string) => {
    const d = await c.rooms.findOne({ _id: id });
    return d ? toRoom(d) : undefined;
  };

  const getMember = async (roomId: string, userId: string) => {
    const d = await currentMember(roomId, userId);
    return d ? toMember(d) : undefined;
  };

  const listMembersOfRooms = async (roomIds: readonly string[]): Promise<MemberRecord[]> => {
    const ids = [...new Set(roomIds)].sort();
    const lists = await rosters.rosters(ids);
    const known = lists && ids.every((id) => lists.get(id)!.userIds);
    const pairs = known ? ids.flatMap((roomId) => lists.get(roomId)!.userIds!.map((userId) => memberId(roomId, userId))) : undefined;
    if (pairs && pairs.length <= BY_ID_LOOKUPS) {
      // The roster's order; the member documents say who is still current.
      const found = await Promise.all(pairs.map((_id) => c.members.findOne({ _id })));
      return found.flatMap((d) => (d && d.leftAt === null ? [toMember(d)] : []));
    }
    const docs = await inChunks(ids, (part) =>
      c.members
        .find({ roomId: { $in: part }, leftAt: null })
        .sort({ roomId: 1, joinedAt: 1, userId: 1 })
        .toArray(),
    );
    return docs.map(toMember);
  };

  async function memberCounts(roomIds: string[]): Promise<Map<string, number>> {
    const lists = await rosters.rosters(roomIds);
    if (lists) return new Map([...lists].map(([id, roster]) => [id, roster.count]));
    const counts = await inChunks(roomIds, (part) =>
      c.members
        .aggregate<{ _id: string; n: number }>([
          { $match: { roomId: { $in: part }, leftAt: null } },
          { $group: { _id: '$roomId', n: { $sum: 1 } } },
        ])
        .toArray(),
    );
    return new Map(counts.map((x) => [x._id, x.n]));
  }

  async function views(userId: string, roomId?: string): Promise<RoomView[]> {
    const one = roomId === undefined ? undefined : await currentMember(roomId, userId);
    const mine = roomId === undefined ? await currentRoomsOf(userId) : one ? [one] : [];
    if (mine.length === 0) return [];
    const ids = mine.map((m) => m.roomId);
    const [rooms, notices, countByRoom] = await Promise.all([
      findByIds(c.rooms, ids),
      inChunks(ids, (part) => c.notices.find({ activeKey: { $in: part }, active: true }).toArray()),
      memberCounts(ids),
    ]);
    // Last messages: one query per distinct lastSeq hint, each an index probe per room.
    const byHint = new Map<number, string[]>();
    for (const r of rooms) if (r.lastSeq > 0) byHint.set(r.lastSeq, [...(byHint.get(r.lastSeq) ?? []), r._id]);
    const lastMessages = (
      await Promise.all(
        [...byHint].map(([seq, roomIds]) => inChunks(roomIds, (part) => c.messages.find({ roomId: { $in: part }, seq }).toArray())),
      )
    ).flat();
    const roomById = new Map<string, RoomDoc>(rooms.map((r) => [r._id, r]));
    const messageByRoom = new Map<string, Message>(lastMessages.map((m) => [m.roomId, toMessage(m)]));
    const noticeByRoom = new Map<string, Notice>(notices.map((n) => [n.roomId, toNotice(n)]));
    const out: RoomView[] = [];
    for (const m of mine) {
      const doc = roomById.get(m.roomId);
      if (!doc) continue;
      const room = toRoom(doc);
      out.push({
        room,
        member: toMember(m),
        memberCount: countByRoom.get(room.id) ?? 0,
        lastMessage: messageByRoom.get(room.id) ?? null,
        notice: noticeByRoom.get(room.id) ?? null,
        peerId: room.kind === 'direct' ? peerFromKey(doc.directKey, userId) : null,
      });
    }
    return out.sort(byActivity);
  }

  const store: Store = {
    ...createMongoSessionStore(c),
    ...createMongoUserSearchStore(c),
    ...createMongoUploadStore(c),
    ...createMongoRoomExtrasStore(c),
    ...createMongoReactionStore(c),
    ...createMongoPinStore(c),
    ...createMongoSearchStore(c),
    // Search tokens live on the message document (a multikey index) and are written with it, in
    // the send's one insert: taking them off the send path would add a second write per message.
    indexPendingSearch: async () => 0,
    ...createMongoJobStore(c),
    dialect: 'mongodb',
    migrate: () => migrateMongo(c),
    async ping() {
      await client.db().command({ ping: 1 });
    },
    close() {
      closing ??= (async () => {
        await writer.close();
        await client.close();
      })();
      return closing;
    },

    async createUser(input) {
      const doc = {
        _id: randomUUID(),
        username: input.username,
        usernameKey: usernameKey(input.username),
        displayName: input.displayName,
        avatarUrl: null,
        statusMessage: null,
        passwordHash: input.passwordHash,
        isPlatformAdmin: false,
        createdAt: input.now,
      };
      try {
        await c.users.insertOne(doc);
      } catch (err) {
        if (isDuplicateKey(err)) throw new AppError('conflict', 'username is taken');
        throw err;
      }
      return toUser(doc);
    },
    async findUserByUsername(username) {
      const d = await c.users.findOne({ usernameKey: usernameKey(username) });
      return d ? toUser(d) : undefined;
    },
    async getUser(id) {
      const d = await c.users.findOne({ _id: id });
      return d ? toUser(d) : undefined;
    },
    async getUsers(ids) {
      return (await findByIds(c.users, ids)).map(toUser);
    },
    async updateUser(id, patch) {
      const set: Record<string, string | null> = {};
      if (patch.displayName !== undefined) set.displayName = patch.displayName;
      if (patch.avatarUrl !== undefined) set.avatarUrl = patch.avatarUrl;
      if (patch.statusMessage !== undefined) set.statusMessage = patch.statusMessage;
      if (Object.keys(set).length > 0) {
        const res = await c.users.updateOne({ _id: id }, { $set: set });
        if (res.matchedCount === 0) throw notFound('user');
      }
      const d = await c.users.findOne({ _id: id });
      if (!d) throw notFound('user');
      return toUser(d);
    },
    async setPlatformAdmin(userId, isAdmin) {
      const res = await c.users.updateOne({ _id: userId }, { $set: { isPlatformAdmin: isAdmin } });
      if (res.matchedCount === 0) throw notFound('user');
    },

    async insertRefreshToken(row) {
      await c.refreshTokens.insertOne({
        _id: row.tokenHash,
        userId: row.userId,
        familyId: row.familyId,
        expiresAt: row.expiresAt,
        createdAt: row.createdAt,
        usedAt: null,
      });
    },
    async useRefreshToken(tokenHash, now) {
      const d = await c.refreshTokens.findOne({ _id: tokenHash });
      if (!d) return { status: 'missing' };
      // The unique insert is the test-and-set: of racing callers exactly one gets in.
      try {
        await c.refreshUses.insertOne({ _id: tokenHash, familyId: d.familyId, usedAt: now });
      } catch (err) {
        if (isDuplicateKey(err)) return { status: 'reused', row: toRefreshToken(d) };
        throw err;
      }
      await c.refreshTokens.updateOne({ _id: tokenHash }, { $set: { usedAt: now } });
      return { status: 'ok', row: toRefreshToken(d) };
    },
    async revokeRefreshFamily(familyId) {
      // Revoked tokens are gone: presenting one afterwards reads as 'missing'.
      await c.refreshTokens.deleteMany({ familyId });
      await c.refreshUses.deleteMany({ familyId });
    },

    async createRoom(input) {
      const others = [...new Set(input.memberIds)].filter((id) => id !== input.creatorId);
      await requireUsers([input.creatorId, ...others]);
      const id = randomUUID();
      const doc: RoomDoc = {
        _id: id,
        kind: input.kind,
        name: input.name,
        avatarUrl: null,
        lastSeq: 0,
        directKey: `group:${id}`,
        createdAt: input.now,
      };
      await c.rooms.insertOne(doc);
      await insertMembers(id, [
        memberDoc(id, input.creatorId, 'owner', 0, input.now),
        ...others.map((u) => memberDoc(id, u, 'member', 0, input.now)),
      ]);
      return toRoom(doc);
    },
    async getOrCreateDirectRoom({ userA, userB, now }) {
      const key = directKey(userA, userB);
      const existing = await c.rooms.findOne({ directKey: key });
      if (existing) return { room: toRoom(existing), created: false };
      await requireUsers([userA, userB]);
      const doc: RoomDoc = { _id: randomUUID(), kind: 'direct', name: '', avatarUrl: null, lastSeq: 0, directKey: key, createdAt: now };
      try {
        await c.rooms.insertOne(doc);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // A racing creator won; its room is the pair's room.
        const winner = await c.rooms.findOne({ directKey: key });
        if (!winner) throw new Error(`direct room ${key} vanished while being created`);
        return { room: toRoom(winner), created: false };
      }
      await insertMembers(
        doc._id,
        [...new Set([userA, userB])].map((u) => memberDoc(doc._id, u, 'member', 0, now)),
      );
      return { room: toRoom(doc), created: true };
    },
    getRoom,
    async updateRoom(id, patch) {
      const set: Record<string, string | null> = {};
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.avatarUrl !== undefined) set.avatarUrl = patch.avatarUrl;
      if (patch.description !== undefined) set.description = patch.description;
      if (Object.keys(set).length > 0) {
        const res = await c.rooms.updateOne({ _id: id }, { $set: set });
        if (res.matchedCount === 0) throw notFound('room');
      }
      const room = await getRoom(id);
      if (!room) throw notFound('room');
      return room;
    },
    listRoomsForUser: (userId) => views(userId),
    async getRoomForUser(roomId, userId) {
      const [view] = await views(userId, roomId);
      return view;
    },
    getMember,
    listMembers: (roomId) => listMembersOfRooms([roomId]),
    listMembersOfRooms,
    async listRoomIdsForUser(userId) {
      return (await currentRoomsOf(userId)).map((d) => d.roomId);
    },
    async addMembers(roomId, userIds, role, now) {
      if (!(await c.rooms.findOne({ _id: roomId }, { projection: { _id: 1 } }))) throw notFound('room');
      const ids = [...new Set(userIds)];
      if (ids.length === 0) return [];
      await requireUsers(ids);
      const seq = await lastSeqHint(c, roomId);
      const existing = new Map(
        (await inChunks(ids, (part) => Promise.all(part.map((u) => c.members.findOne({ _id: memberId(roomId, u) }))), 100)).flatMap((d) =>
          d ? [[d.userId, d] as const] : [],
        ),
      );
      const added = new Set<string>();
      const fresh = ids.filter((u) => !existing.has(u));
      for (const u of ids) {
        if (existing.get(u)?.leftAt == null) continue;
        const res = await c.members.updateOne(
          { _id: memberId(roomId, u), leftAt: { $ne: null } },
          { $set: { role, joinedSeq: seq, lastReadSeq: seq, joinedAt: now, leftAt: null } },
        );
        if (res.modifiedCount > 0) added.add(u);
      }
      for (const part of await inChunks(fresh, async (p) => [p])) {
        await Promise.all(part.map((u) => addUserRooms(c, u, [roomId])));
        try {
          await c.members.insertMany(
            part.map((u) => memberDoc(roomId, u, role, seq, now)),
            { ordered: false },
          );
          part.forEach((u) => added.add(u));
        } catch (err) {
          const raw = (err as { writeErrors?: unknown }).writeErrors;
          const list = (Array.isArray(raw) ? raw : raw ? [raw] : []) as Array<{ code?: number; index?: number }>;
          if (list.length === 0 || list.some((e) => e.code !== 11000)) throw err;
          // A racing invitation added those first; the rest are ours.
          const lost = new Set(list.map((e) => e.index));
          part.forEach((u, i) => lost.has(i) || added.add(u));
        }
      }
      if (added.size > 0) await touchRoster(c, roomId);
      return ids.filter((u) => added.has(u)).map((userId) => ({ roomId, userId, role, joinedSeq: seq, lastReadSeq: seq }));
    },
    async removeMember(roomId, userId, now) {
      const res = await c.members.updateOne({ _id: memberId(roomId, userId), leftAt: null }, { $set: { leftAt: now } });
      if (res.modifiedCount === 0) return false;
      await touchRoster(c, roomId);
      return true;
    },
    async setMemberRole(roomId, userId, role) {
      if (!(await currentMember(roomId, userId))) throw notFound('member');
      await c.members.updateOne({ _id: memberId(roomId, userId) }, { $set: { role } });
      const member = await getMember(roomId, userId);
      if (!member) throw notFound('member');
      return member;
    },

    insertMessage: (input) => writer.insert(input),
    async getMessage(id) {
      const d = await c.messages.findOne({ _id: id });
      return d ? toMessage(d) : undefined;
    },
    async listMessages(roomId, page) {
      const limit = Math.max(0, Math.trunc(page.limit));
      if (limit === 0) return [];
      const { afterSeq, beforeSeq } = seqBounds(page);
      if (afterSeq !== undefined && afterSeq >= MAX_SEQ) return [];
      const seq: { $gt?: number; $lt?: number } = {};
      if (afterSeq !== undefined) seq.$gt = afterSeq;
      if (beforeSeq !== undefined) seq.$lt = beforeSeq;
      const filter = Object.keys(seq).length > 0 ? { roomId, seq } : { roomId };
      if (afterSeq !== undefined) return (await c.messages.find(filter).sort({ seq: 1 }).limit(limit).toArray()).map(toMessage);
      // The newest page before the cursor, read backwards and handed out ascending.
      return (await c.messages.find(filter).sort({ seq: -1 }).limit(limit).toArray()).reverse().map(toMessage);
    },
    async updateMessageBody(id, body, now) {
      const before = await c.messages.findOne({ _id: id }, { projection: { kind: 1 } });
      if (!before) throw notFound('message');
      await c.messages.updateOne({ _id: id }, { $set: { body, editedAt: now, terms: searchTerms(before.kind, body) } });
      // Quotes of it in replies say it was edited (an index on MongoDB; FerretDB scans, edits are rare).
      await c.messages.updateMany({ 'replyTo.messageId': id }, { $set: { 'replyTo.edited': true } });
      const d = await c.messages.findOne({ _id: id });
      if (!d) throw notFound('message');
      return toMessage(d);
    },
    async markMessageDeleted(id, now) {
      // Soft delete only: a seq is never freed, so it is never reused. Twice keeps the first time.
      await c.messages.updateOne({ _id: id, deletedAt: null }, { $set: { body: '', deletedAt: now, terms: [] } });
      const d = await c.messages.findOne({ _id: id });
      if (!d) throw notFound('message');
      await c.messages.updateMany({ 'replyTo.messageId': id }, { $set: { 'replyTo.deleted': true, 'replyTo.excerpt': '' } });
      await dropReactions(c, id);
      return toMessage(d);
    },

    async advanceReadPointer(roomId, userId, seq) {
      const [member, cap] = await Promise.all([currentMember(roomId, userId), lastSeqHint(c, roomId)]);
      if (!member) throw notFound('member');
      const target = Math.min(cap, Math.max(0, Math.trunc(Math.min(seq, MAX_SEQ))));
      if (member.lastReadSeq >= target) return member.lastReadSeq;
      // $max: racing updates can only raise it, whatever their order; the value read back is the pointer.
      const raised = await raiseTo(c.members, memberId(roomId, userId), 'lastReadSeq', target);
      if (raised === undefined) throw notFound('member');
      return raised;
    },

    async createNotice({ roomId, authorId, body, now }) {
      if (!(await getRoom(roomId))) throw notFound('room');
      await requireUsers([authorId]);
      const doc = { _id: randomUUID(), roomId, authorId, body, createdAt: now, active: true, activeKey: roomId };
      // One active notice per room by the unique activeKey: retire the current one, insert,
      // and if a racing notice got in between, retire that one and try again.
      for (;;) {
        for (const old of await c.notices.find({ activeKey: roomId }).toArray()) {
          await c.notices.updateOne({ _id: old._id, active: true }, { $set: { active: false, activeKey: old._id } });
        }
        try {
          await c.notices.insertOne(doc);
          return toNotice(doc);
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
      }
    },
    async getNotice(id) {
      const d = await c.notices.findOne({ _id: id });
      return d ? { ...toNotice(d), active: d.active } : undefined;
    },
    async deactivateNotice(id) {
      const res = await c.notices.updateOne({ _id: id, active: true }, { $set: { active: false, activeKey: id } });
      return res.modifiedCount > 0;
    },
    async createAnnouncement({ authorId, body, now }) {
      await requireUsers([authorId]);
      const doc = { _id: randomUUID(), authorId, body, createdAt: now };
      await c.announcements.insertOne(doc);
      return toAnnouncement(doc);
    },
    async listAnnouncements(limit) {
      const n = Math.max(0, Math.trunc(limit));
      if (n === 0) return [];
      return (await c.announcements.find({}).sort({ createdAt: -1, _id: -1 }).limit(n).toArray()).map(toAnnouncement);
    },
  };
  return store;
}
