import type { SessionRecord } from '../../../ports/store.js';
import type { SessionStore } from '../session-store.js';
import { inChunks } from '../in-chunks.js';
import type { Collections, SessionDoc } from './mongo-documents.js';

/**
 * Sessions without transactions: revocation sets `revokedAt` only where it is still null
 * (so two revokers agree on which ids they ended), then deletes those families' refresh
 * tokens; a crash between the two leaves tokens whose session is revoked, which refresh
 * refuses anyway.
 */
export function createMongoSessionStore(c: Collections): SessionStore {
  return {
    async createSession(row) {
      await c.sessions.insertOne({
        _id: row.id,
        userId: row.userId,
        createdAt: row.createdAt,
        expiresAt: row.expiresAt,
        revokedAt: row.revokedAt,
      });
    },

    async getSession(id) {
      const d = await c.sessions.findOne({ _id: id });
      return d ? toSession(d) : undefined;
    },

    async revokeSessions(filter, now) {
      const query =
        'id' in filter
          ? { _id: filter.id, revokedAt: null }
          : { userId: filter.userId, revokedAt: null, ...(filter.exceptId ? { _id: { $ne: filter.exceptId } } : {}) };
      const candidates = (await c.sessions.find(query, { projection: { _id: 1 } }).toArray()).map((d) => d._id);
      const ended: string[] = [];
      for (const id of candidates) {
        const res = await c.sessions.updateOne({ _id: id, revokedAt: null }, { $set: { revokedAt: now } });
        if (res.modifiedCount === 1) ended.push(id);
      }
      await inChunks(ended, async (part) => {
        await c.refreshTokens.deleteMany({ familyId: { $in: part } });
        await c.refreshUses.deleteMany({ familyId: { $in: part } });
      });
      return ended;
    },

    async listRevokedSessionIds(since) {
      const docs = await c.sessions
        .find({ revokedAt: { $gte: since } }, { projection: { _id: 1 } })
        .sort({ _id: 1 })
        .toArray();
      return docs.map((d) => d._id);
    },

    async sweepSessions(now, revokedBefore) {
      const tokens = await c.refreshTokens.deleteMany({ expiresAt: { $lte: now } });
      const sessions = await c.sessions.deleteMany({
        $or: [{ expiresAt: { $lte: now } }, { revokedAt: { $ne: null, $lt: revokedBefore } }],
      });
      return { sessions: sessions.deletedCount, refreshTokens: tokens.deletedCount };
    },

    async setPasswordHash(userId, passwordHash) {
      await c.users.updateOne({ _id: userId }, { $set: { passwordHash } });
    },
  };
}

function toSession(d: SessionDoc): SessionRecord {
  return { id: d._id, userId: d.userId, createdAt: d.createdAt, expiresAt: d.expiresAt, revokedAt: d.revokedAt };
}
