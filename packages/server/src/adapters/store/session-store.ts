import type { SessionRecord, Store } from '../../ports/store.js';
import type { StoreContext } from './store-context.js';

export type SessionStore = Pick<
  Store,
  'createSession' | 'getSession' | 'revokeSessions' | 'listRevokedSessionIds' | 'sweepSessions' | 'setPasswordHash'
>;

export function createSessionStore({ db }: StoreContext): SessionStore {
  return {
    async createSession(row) {
      await db
        .insertInto('sessions')
        .values({ id: row.id, user_id: row.userId, created_at: row.createdAt, expires_at: row.expiresAt, revoked_at: row.revokedAt })
        .execute();
    },

    async getSession(id) {
      const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toSession(row);
    },

    async revokeSessions(filter, now) {
      return db.transaction().execute(async (trx) => {
        let query = trx.updateTable('sessions').set({ revoked_at: now }).where('revoked_at', 'is', null);
        if ('id' in filter) query = query.where('id', '=', filter.id);
        else {
          query = query.where('user_id', '=', filter.userId);
          if (filter.exceptId) query = query.where('id', '!=', filter.exceptId);
        }
        const ids = (await query.returning('id').execute()).map((r) => r.id);
        // Chunked: PostgreSQL and SQLite both cap the number of bound parameters.
        for (let i = 0; i < ids.length; i += 500) {
          await trx
            .deleteFrom('refresh_tokens')
            .where('family_id', 'in', ids.slice(i, i + 500))
            .execute();
        }
        return ids;
      });
    },

    async listRevokedSessionIds(since) {
      const rows = await db.selectFrom('sessions').select('id').where('revoked_at', '>=', since).execute();
      return rows.map((r) => r.id);
    },

    async sweepSessions(now, revokedBefore) {
      const tokens = await db.deleteFrom('refresh_tokens').where('expires_at', '<=', now).executeTakeFirst();
      const sessions = await db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('expires_at', '<=', now), eb('revoked_at', '<', revokedBefore)]))
        .executeTakeFirst();
      return { sessions: Number(sessions.numDeletedRows), refreshTokens: Number(tokens.numDeletedRows) };
    },

    async setPasswordHash(userId, passwordHash) {
      await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
    },
  };
}

function toSession(row: { id: string; user_id: string; created_at: string; expires_at: string; revoked_at: string | null }): SessionRecord {
  return { id: row.id, userId: row.user_id, createdAt: row.created_at, expiresAt: row.expires_at, revokedAt: row.revoked_at };
}
