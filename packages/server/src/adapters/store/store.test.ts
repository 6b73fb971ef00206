import Sqlite from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { describeStoreContract, type StoreUnderTest } from '../../ports/store.contract.js';
import { describeConversationStoreContract } from '../../ports/conversation-store.contract.js';
import { describeJobStoreContract } from '../../ports/job-store.contract.js';
import { describeUploadStoreContract } from '../../ports/upload-store.contract.js';
import { createTestDatabase } from '@chatchat/server/testing';
import { createStore } from './index.js';
import { postgresSeedRooms, sqliteSeedRooms } from './seed-rooms.js';

const openSqliteStore = async (): Promise<StoreUnderTest> => {
  const dir = mkdtempSync(join(tmpdir(), 'chatchat-store-'));
  const store = await createStore({ kind: 'sqlite', file: join(dir, 'chat.db') });
  return {
    store,
    viewsCarryExtras: true,
    seedRooms: sqliteSeedRooms(join(dir, 'chat.db')),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
describeStoreContract('sqlite', openSqliteStore);
describeConversationStoreContract('sqlite', openSqliteStore);
describeJobStoreContract('sqlite', openSqliteStore);
describeUploadStoreContract('sqlite', openSqliteStore);

const openPostgresStore = async (): Promise<StoreUnderTest> => {
  const database = await createTestDatabase();
  const opened = [await createStore({ kind: 'postgres', url: database.url, poolSize: 6, statementTimeoutMs: 10_000 })];
  return {
    store: opened[0]!,
    openAnother: async () => {
      const another = await createStore({ kind: 'postgres', url: database.url, poolSize: 6 });
      opened.push(another);
      return another;
    },
    cleanup: async () => {
      await Promise.all(opened.map((s) => s.close()));
      await database.drop();
    },
  };
};
describeJobStoreContract('postgres', openPostgresStore);
describeUploadStoreContract('postgres', openPostgresStore);

describeConversationStoreContract('postgres', async () => {
  const database = await createTestDatabase();
  const store = await createStore({ kind: 'postgres', url: database.url, poolSize: 6, statementTimeoutMs: 10_000 });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await database.drop();
    },
  };
});

describeStoreContract('postgres', async () => {
  const database = await createTestDatabase();
  const opened = [await createStore({ kind: 'postgres', url: database.url, poolSize: 6, statementTimeoutMs: 10_000 })];
  return {
    store: opened[0]!,
    viewsCarryExtras: true,
    seedRooms: postgresSeedRooms(database.url),
    openAnother: async () => {
      const another = await createStore({ kind: 'postgres', url: database.url, poolSize: 6 });
      opened.push(another);
      return another;
    },
    cleanup: async () => {
      await Promise.all(opened.map((s) => s.close()));
      await database.drop();
    },
  };
});

describe('sqlite store setup', () => {
  it('creates the parent directory and opens the file in WAL mode with foreign keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatchat-store-'));
    try {
      const file = join(dir, 'nested', 'deeper', 'chat.db');
      const store = await createStore({ kind: 'sqlite', file });
      await store.migrate();
      await store.close();
      const db = new Sqlite(file, { readonly: true });
      try {
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        const tables = db.prepare("select name from sqlite_master where type = 'table'").pluck().all();
        expect(tables).toEqual(
          expect.arrayContaining(['users', 'rooms', 'members', 'messages', 'notices', 'announcements', 'refresh_tokens']),
        );
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps data across reopen and settles pending sends on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chatchat-store-'));
    try {
      const file = join(dir, 'chat.db');
      const now = new Date().toISOString();
      let store = await createStore({ kind: 'sqlite', file });
      await store.migrate();
      const u = await store.createUser({ username: 'keeper', displayName: 'K', passwordHash: 'h', now });
      const room = await store.createRoom({ kind: 'group', name: 'r', creatorId: u.id, memberIds: [], now });
      const sends = Array.from({ length: 50 }, () =>
        store.insertMessage({ roomId: room.id, senderId: u.id, kind: 'text', body: 'b', clientMsgId: null, now }),
      );
      await store.close();
      expect((await Promise.all(sends)).map((r) => r.message.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 50 }, (_, i) => i + 1),
      );
      store = await createStore({ kind: 'sqlite', file });
      await store.migrate();
      expect((await store.getRoom(room.id))?.lastSeq).toBe(50);
      expect((await store.findUserByUsername('KEEPER'))?.id).toBe(u.id);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('postgres store setup', () => {
  it('migrates once when two processes migrate a fresh database at once', async () => {
    const database = await createTestDatabase();
    const stores = await Promise.all([1, 2, 3].map(() => createStore({ kind: 'postgres', url: database.url, poolSize: 3 })));
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      const now = new Date().toISOString();
      await stores[0]!.createUser({ username: 'first', displayName: 'F', passwordHash: 'h', now });
      expect((await stores[1]!.findUserByUsername('FIRST'))?.username).toBe('first');
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await database.drop();
    }
  });

  it('stores and returns seqs past 2^31 exactly (bigint columns, int8 parsed as numbers)', async () => {
    const database = await createTestDatabase();
    const store = await createStore({ kind: 'postgres', url: database.url, poolSize: 2 });
    const admin = new pg.Client({ connectionString: database.url });
    try {
      await store.migrate();
      await admin.connect();
      const now = new Date().toISOString();
      const u = await store.createUser({ username: 'wide', displayName: 'W', passwordHash: 'h', now });
      const room = await store.createRoom({ kind: 'group', name: 'r', creatorId: u.id, memberIds: [], now });
      const high = 2 ** 40;
      await admin.query('update rooms set last_seq = $1 where id = $2', [high, room.id]);
      const { message } = await store.insertMessage({ roomId: room.id, senderId: u.id, kind: 'text', body: 'b', clientMsgId: null, now });
      expect(message.seq).toBe(high + 1);
      expect(await store.listMessages(room.id, { afterSeq: high, limit: 5 })).toEqual([message]);
      expect(await store.getRoom(room.id)).toMatchObject({ lastSeq: high + 1 });
      expect(await store.getMember(room.id, u.id)).toMatchObject({ lastReadSeq: high + 1 });
    } finally {
      await admin.end();
      await store.close();
      await database.drop();
    }
  });

  it('applies the statement timeout to every connection', async () => {
    const database = await createTestDatabase();
    const store = await createStore({ kind: 'postgres', url: database.url, poolSize: 2, statementTimeoutMs: 200 });
    const blocker = new pg.Client({ connectionString: database.url });
    try {
      await store.migrate();
      await blocker.connect();
      await blocker.query('begin');
      await blocker.query('lock table users in access exclusive mode');
      // Both pool connections wait on the lock; each must give up on its own.
      const results = await Promise.allSettled([store.findUserByUsername('a'), store.findUserByUsername('b')]);
      for (const r of results) {
        expect(r.status).toBe('rejected');
        expect(((r as PromiseRejectedResult).reason as { code?: string }).code).toBe('57014');
      }
      await blocker.query('rollback');
      expect(await store.findUserByUsername('a')).toBeUndefined();
    } finally {
      await blocker.end();
      await store.close();
      await database.drop();
    }
  });
});
