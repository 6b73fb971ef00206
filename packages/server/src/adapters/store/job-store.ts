import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { JobStore } from '../../ports/job-store.js';
import { isUniqueViolation } from './db-errors.js';
import type { StoreContext } from './store-context.js';

export function createJobStore({ db }: StoreContext): JobStore {
  return {
    async enqueueJob({ kind, key, payload, now }) {
      try {
        const res = await db
          .insertInto('jobs')
          .values({
            id: randomUUID(),
            kind,
            key,
            payload: JSON.stringify(payload),
            state: 'queued',
            run_at: now,
            lease_owner: null,
            lease_until: null,
            last_error: null,
            created_at: now,
            finished_at: null,
          })
          .onConflict((oc) => oc.columns(['kind', 'key']).doNothing())
          .executeTakeFirst();
        return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
      } catch (err) {
        if (isUniqueViolation(err)) return false;
        throw err;
      }
    },

    async leaseJob({ kinds, owner, now, leaseUntil }) {
      if (kinds.length === 0) return undefined;
      // Two workers may pick the same candidate; the lease condition is checked again by
      // the update itself (PostgreSQL re-reads the row after waiting on its lock), so only
      // one of them gets it and the other looks again.
      for (let tries = 0; tries < 5; tries++) {
        const candidate = await db
          .selectFrom('jobs')
          .select('id')
          .where('state', '=', 'queued')
          .where('kind', 'in', kinds)
          .where('run_at', '<=', now)
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
          .orderBy('run_at')
          .limit(1)
          .executeTakeFirst();
        if (!candidate) return undefined;
        const row = await db
          .updateTable('jobs')
          .set({ lease_owner: owner, lease_until: leaseUntil, attempts: sql`attempts + 1` })
          .where('id', '=', candidate.id)
          .where('state', '=', 'queued')
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
          .returningAll()
          .executeTakeFirst();
        if (row) {
          return {
            id: row.id,
            kind: row.kind,
            key: row.key,
            payload: JSON.parse(row.payload),
            attempts: Number(row.attempts),
            leaseOwner: owner,
            leaseUntil,
          };
        }
      }
      return undefined;
    },

    async finishJob({ id, owner, now }) {
      const res = await db
        .updateTable('jobs')
        .set({ state: 'done', finished_at: now, lease_until: null })
        .where('id', '=', id)
        .where('lease_owner', '=', owner)
        .where('state', '=', 'queued')
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    async failJob({ id, owner, error, retryAt, now }) {
      const res = await db
        .updateTable('jobs')
        .set(
          retryAt
            ? { last_error: error.slice(0, 1000), run_at: retryAt, lease_until: null, lease_owner: null }
            : { last_error: error.slice(0, 1000), state: 'failed', finished_at: now, lease_until: null },
        )
        .where('id', '=', id)
        .where('lease_owner', '=', owner)
        .where('state', '=', 'queued')
        .executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },

    async getJob(kind, key) {
      const row = await db
        .selectFrom('jobs')
        .select(['state', 'attempts', 'last_error'])
        .where('kind', '=', kind)
        .where('key', '=', key)
        .executeTakeFirst();
      return row && { state: row.state, attempts: Number(row.attempts), lastError: row.last_error };
    },

    async countJobs() {
      const rows = await db
        .selectFrom('jobs')
        .select(['state', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('state')
        .execute();
      const by = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
      return { queued: by.queued ?? 0, done: by.done ?? 0, failed: by.failed ?? 0 };
    },
  };
}
