import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-wide-seq.js';
import * as m0003 from './0003-sessions.js';
import * as m0004 from './0004-attachments.js';
import * as m0005 from './0005-conversation.js';
import * as m0006 from './0006-search-backlog.js';
import * as m0007 from './0007-members-current-idx.js';
import * as m0008 from './0008-client-msg-id-first.js';

/** Migrations live in code (no directory scan), so they work the same from tsx, tests and bundles. */
const migrations: Record<string, Migration> = {
  '0001-initial': m0001,
  '0002-wide-seq': m0002,
  '0003-sessions': m0003,
  '0004-attachments': m0004,
  '0005-conversation': m0005,
  '0006-search-backlog': m0006,
  '0007-members-current-idx': m0007,
  '0008-client-msg-id-first': m0008,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
