import { isDuplicateKey, type Collections } from './mongo-documents.js';
import { addUserRooms, userRoomCandidates } from './mongo-member-index.js';
import { searchPosition, searchTerms } from './mongo-search-store.js';

/** Bumped when an index or document shape changes; `migrate` brings a database up to it. */
const SCHEMA_VERSION = 3;

/**
 * Indexes and the schema version, created by `migrate` like the SQL migrations, and as
 * idempotent: createIndex of an existing index is a no-op, and the version only moves up.
 */
export async function migrateMongo(c: Collections): Promise<void> {
  await Promise.all([
    c.users.createIndex({ usernameKey: 1 }, { unique: true, name: 'users_username_key_uq' }),
    c.refreshTokens.createIndex({ familyId: 1 }, { name: 'refresh_tokens_family_idx' }),
    c.refreshUses.createIndex({ familyId: 1 }, { name: 'refresh_token_uses_family_idx' }),
    c.sessions.createIndex({ userId: 1 }, { name: 'sessions_user_idx' }),
    c.sessions.createIndex({ revokedAt: 1 }, { name: 'sessions_revoked_idx' }),
    c.rooms.createIndex({ directKey: 1 }, { unique: true, name: 'rooms_direct_key_uq' }),
    c.members.createIndex({ userId: 1, roomId: 1 }, { name: 'members_user_idx' }),
    c.members.createIndex({ roomId: 1, joinedAt: 1, userId: 1 }, { name: 'members_room_idx' }),
    // The seq claim: a second insert of a room's seq fails, so seqs are never shared.
    c.messages.createIndex({ roomId: 1, seq: 1 }, { unique: true, name: 'messages_room_seq_uq' }),
    c.messages.createIndex({ sendKey: 1 }, { unique: true, name: 'messages_send_key_uq' }),
    c.notices.createIndex({ activeKey: 1 }, { unique: true, name: 'notices_one_active_uq' }),
    c.notices.createIndex({ roomId: 1, createdAt: 1 }, { name: 'notices_room_idx' }),
    c.announcements.createIndex({ createdAt: 1 }, { name: 'announcements_created_idx' }),
    // Quotes are kept in step by the original's id; search by token (multikey) in global order.
    c.messages.createIndex({ 'replyTo.messageId': 1 }, { name: 'messages_reply_to_idx' }),
    c.messages.createIndex({ terms: 1, searchPos: -1 }, { name: 'messages_terms_idx' }),
    c.reactions.createIndex({ messageId: 1, emoji: 1 }, { name: 'reactions_message_idx' }),
    c.reactionSlots.createIndex({ owner: 1 }, { name: 'reaction_slots_owner_idx' }),
    c.pins.createIndex({ roomId: 1 }, { name: 'pins_room_idx' }),
    c.jobs.createIndex({ state: 1, runAt: 1 }, { name: 'jobs_due_idx' }),
    c.uploads.createIndex({ ownerId: 1 }, { name: 'uploads_owner_idx' }),
    c.uploads.createIndex({ purpose: 1, createdAt: 1 }, { name: 'uploads_purpose_created_idx' }),
    c.uploadLinks.createIndex({ ownerId: 1, claimKey: 1 }, { name: 'upload_links_claim_idx' }),
    c.uploadLinks.createIndex({ messageId: 1 }, { name: 'upload_links_message_idx' }),
  ]);
  const meta = await c.meta.findOne({ _id: 'schema' });
  if ((meta?.version ?? 0) < 2) await indexForSearch(c);
  if ((meta?.version ?? 0) < 3) await slotUserRooms(c);
  for (;;) {
    try {
      await c.meta.updateOne({ _id: 'schema' }, { $max: { version: SCHEMA_VERSION } }, { upsert: true });
      return;
    } catch (err) {
      // Two processes migrating a fresh database: one upsert inserts, the other retries as an update.
      if (!isDuplicateKey(err)) throw err;
    }
  }
}

/** Version 2: messages written before search get their tokens and search position (idempotent). */
async function indexForSearch(c: Collections): Promise<void> {
  const cursor = c.messages.find(
    { searchPos: { $exists: false } },
    { projection: { kind: 1, body: 1, createdAt: 1, seq: 1, deletedAt: 1 } },
  );
  for await (const m of cursor) {
    const terms = m.deletedAt === null ? searchTerms(m.kind, m.body) : [];
    await c.messages.updateOne({ _id: m._id }, { $set: { terms, searchPos: searchPosition(m.createdAt, m.seq) } });
  }
}

/** Version 3: every member document written before room slots gets its user's slot (idempotent). */
async function slotUserRooms(c: Collections): Promise<void> {
  const byUser = new Map<string, string[]>();
  for await (const m of c.members.find({}, { projection: { userId: 1, roomId: 1 } })) {
    byUser.set(m.userId, [...(byUser.get(m.userId) ?? []), m.roomId]);
  }
  for (const [userId, roomIds] of byUser) {
    const slotted = new Set(await userRoomCandidates(c, userId, Number.POSITIVE_INFINITY));
    await addUserRooms(
      c,
      userId,
      roomIds.filter((r) => !slotted.has(r)),
    );
  }
}
