import { MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryTerms } from '../../../features/search/search-tokenizer.js';
import { describeConversationStoreContract } from '../../../ports/conversation-store.contract.js';
import { describeJobStoreContract } from '../../../ports/job-store.contract.js';
import { describeStoreContract, type StoreUnderTest } from '../../../ports/store.contract.js';
import { describeUploadStoreContract } from '../../../ports/upload-store.contract.js';
import { startFerretDb, type RunningFerretDb } from '../../../testing/ferretdb.js';
import { createStore } from '../index.js';
import { mongoSeedRooms } from './mongo-seed-rooms.js';

// One FerretDB for this file; every adapter factory below gets its own database on it.
let ferret: RunningFerretDb;
beforeAll(async () => {
  ferret = await startFerretDb();
}, 30 * 60_000);
afterAll(async () => {
  await ferret?.stop();
});

/** A store on a fresh database, with a second store on it for racing tests. */
const openMongoStore = async (): Promise<StoreUnderTest> => {
  const url = ferret.databaseUrl();
  const opened = [await createStore({ kind: 'mongodb', url, poolSize: 8 })];
  return {
    store: opened[0]!,
    openAnother: async () => {
      const another = await createStore({ kind: 'mongodb', url, poolSize: 8 });
      opened.push(another);
      return another;
    },
    cleanup: async () => {
      await Promise.all(opened.map((s) => s.close()));
    },
  };
};

describe('mongodb (FerretDB)', () => {
  describeConversationStoreContract('mongodb', openMongoStore);
  describeJobStoreContract('mongodb', openMongoStore);
  describeUploadStoreContract('mongodb', openMongoStore);
  describeStoreContract('mongodb', async () => {
    const url = ferret.databaseUrl();
    const opened = [await createStore({ kind: 'mongodb', url, poolSize: 8 })];
    return {
      store: opened[0]!,
      seedRooms: mongoSeedRooms(url),
      // FerretDB (unlike MongoDB and DocumentDB) serves no filter but `{_id}` from an index
      // and checks `$in` lists one by one in Go: 33,000 rooms would take many minutes. The
      // limits that number probes are SQL's; MongoDB lists are chunked all the same.
      manyRooms: 3_000,
      openAnother: async () => {
        const another = await createStore({ kind: 'mongodb', url, poolSize: 8 });
        opened.push(another);
        return another;
      },
      cleanup: async () => {
        await Promise.all(opened.map((s) => s.close()));
      },
    };
  });
});

describe('mongodb migrations (FerretDB)', () => {
  it('gives messages stored before search their tokens, so search finds them', async () => {
    const url = ferret.databaseUrl();
    const store = await createStore({ kind: 'mongodb', url, poolSize: 2 });
    const raw = new MongoClient(url);
    try {
      await store.migrate();
      const now = new Date().toISOString();
      const u = await store.createUser({ username: `old_${randomUUID().slice(0, 8)}`, displayName: 'O', passwordHash: 'h', now });
      const room = await store.createRoom({ kind: 'group', name: 'r', creatorId: u.id, memberIds: [], now });
      const { message } = await store.insertMessage({
        roomId: room.id,
        senderId: u.id,
        kind: 'text',
        body: '오래된 회의록',
        clientMsgId: null,
        now,
      });
      // As a version-1 database holds it: no tokens, no search position.
      const db = raw.db();
      await db.collection('messages').updateOne({ _id: message.id as never }, { $unset: { terms: '', searchPos: '' } });
      await db.collection('meta').updateOne({ _id: 'schema' as never }, { $set: { version: 1 } });
      const find = () => store.searchMessages({ userId: u.id, terms: queryTerms('회의'), limit: 5 });
      expect(await find()).toEqual([]);
      await store.migrate();
      await store.migrate();
      expect((await find()).map((h) => h.message.id)).toEqual([message.id]);
    } finally {
      await raw.close();
      await store.close();
    }
  });

  it('gives members stored before room slots their slots, so room lists and hellos find their rooms', async () => {
    const url = ferret.databaseUrl();
    const raw = new MongoClient(url);
    const opened: Awaited<ReturnType<typeof createStore>>[] = [];
    const open = async () => {
      const s = await createStore({ kind: 'mongodb', url, poolSize: 2 });
      opened.push(s);
      return s;
    };
    try {
      const writer = await open();
      await writer.migrate();
      const now = new Date().toISOString();
      const [u, v] = await Promise.all(
        ['a', 'b'].map((p) => writer.createUser({ username: `${p}_${randomUUID().slice(0, 8)}`, displayName: p, passwordHash: 'h', now })),
      );
      const room = await writer.createRoom({ kind: 'group', name: 'r', creatorId: u!.id, memberIds: [v!.id], now });
      // As a version-2 database holds it: member documents only.
      const db = raw.db();
      await db.collection('user_rooms').deleteMany({});
      await db.collection('member_clocks').deleteMany({});
      await db.collection('meta').updateOne({ _id: 'schema' as never }, { $set: { version: 2 } });
      const reader = await open();
      expect(await reader.listRoomIdsForUser(u!.id)).toEqual([]);
      await reader.migrate();
      await reader.migrate();
      expect(await reader.listRoomIdsForUser(u!.id)).toEqual([room.id]);
      expect((await (await open()).listRoomsForUser(v!.id)).map((r) => [r.room.id, r.memberCount])).toEqual([[room.id, 2]]);
      expect(await db.collection('user_rooms').countDocuments({})).toBe(2);
    } finally {
      await raw.close();
      await Promise.all(opened.map((s) => s.close()));
    }
  });
});
