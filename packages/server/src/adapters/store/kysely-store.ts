import { Migrator, sql, type Kysely } from 'kysely';
import type { Store } from '../../ports/store.js';
import { createMemberStore } from './member-store.js';
import { createMessageStore } from './message-store.js';
import type { MessageWriter } from './message-writer.js';
import { migrationProvider } from './migrations/index.js';
import { createNoticeStore } from './notice-store.js';
import { createRefreshTokenStore } from './refresh-token-store.js';
import { createRoomStore } from './room-store.js';
import { createSessionStore } from './session-store.js';
import { createRoomViewStore } from './room-view-store.js';
import type { Database } from './schema.js';
import { createUserSearchStore } from './user-search-store.js';
import { createUserStore } from './user-store.js';
import { createUploadStore } from './upload-store.js';
import { createJobStore } from './job-store.js';
import { createReactionStore } from './reaction-store.js';
import { createPinStore } from './pin-store.js';
import { createRoomExtrasStore } from './room-extras-store.js';
import { createSearchStore } from './search-store.js';
import type { SearchIndexer } from './search-indexer.js';

export interface KyselyStoreOptions {
  db: Kysely<Database>;
  dialect: 'sqlite' | 'postgres';
  writer: MessageWriter;
  indexer: SearchIndexer;
  /** Where searches run (see search-store.ts). */
  queryDb?: () => Kysely<Database>;
  /** Closed after the writer drains and before the connection goes (e.g. helper threads). */
  companions?: ReadonlyArray<{ close(): Promise<void> }>;
}

/** The Store over Kysely, the same for both dialects but for the message writer. */
export function createKyselyStore({ db, dialect, writer, indexer, queryDb, companions = [] }: KyselyStoreOptions): Store {
  const ctx = { db, dialect };
  let closing: Promise<void> | undefined;

  return {
    dialect,

    async migrate() {
      // On PostgreSQL Kysely's migrator holds an advisory lock while it runs, so two
      // processes migrating at once apply each migration once.
      const migrator = new Migrator({ db, provider: migrationProvider });
      const { error } = await migrator.migrateToLatest();
      if (error) throw error;
      await indexer.migrated();
    },

    async ping() {
      await sql`select 1`.execute(db);
    },

    close() {
      closing ??= (async () => {
        await writer.close();
        await indexer.close();
        for (const c of companions) await c.close();
        await db.destroy();
      })();
      return closing;
    },

    ...createUserStore(ctx),
    ...createUserSearchStore(ctx),
    ...createRefreshTokenStore(ctx),
    ...createSessionStore(ctx),
    ...createRoomStore(ctx),
    ...createRoomViewStore(ctx),
    ...createMemberStore(ctx),
    ...createMessageStore(ctx),
    insertMessage: (input) => writer.insert(input),
    ...createNoticeStore(ctx),
    ...createUploadStore(ctx),
    ...createJobStore(ctx),
    ...createReactionStore(ctx),
    ...createPinStore(ctx),
    ...createRoomExtrasStore(ctx),
    ...createSearchStore({ ...ctx, indexer, ...(queryDb ? { queryDb } : {}) }),
    indexPendingSearch: () => indexer.catchUp(),
  };
}
