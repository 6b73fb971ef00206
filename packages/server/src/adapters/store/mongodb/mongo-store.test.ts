import { afterAll, beforeAll, describe } from 'vitest';
import { describeStoreContract } from '../../../ports/store.contract.js';
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

describe('mongodb (FerretDB)', () => {
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
