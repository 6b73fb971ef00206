import { describe } from 'vitest';
import { useStoreFixture, type StoreUnderTest } from './store-contract/fixture.js';
import { lifecycleContract } from './store-contract/lifecycle.js';
import { manyRoomsContract } from './store-contract/many-rooms.js';
import { membersContract } from './store-contract/members.js';
import { messagesContract } from './store-contract/messages.js';
import { noticesContract } from './store-contract/notices.js';
import { readPointersContract } from './store-contract/read-pointers.js';
import { refreshTokensContract } from './store-contract/refresh-tokens.js';
import { roomViewsContract } from './store-contract/room-views.js';
import { roomsContract } from './store-contract/rooms.js';
import { usersContract } from './store-contract/users.js';

export type { StoreUnderTest } from './store-contract/fixture.js';

/** One area of the contract: a describe block over the shared fixture. */
const areas = [
  lifecycleContract,
  usersContract,
  refreshTokensContract,
  roomsContract,
  membersContract,
  messagesContract,
  readPointersContract,
  noticesContract,
  roomViewsContract,
  manyRoomsContract,
];

/**
 * The behaviour every Store adapter must show, one file per area under store-contract/.
 * Run it once per adapter with a factory that returns a fresh, unmigrated store (the way
 * Kysely runs one test body per dialect); the suite migrates it and shares it between its
 * tests, each of which makes its own users and rooms.
 */
export function describeStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`Store contract: ${name}`, () => {
    const fixture = useStoreFixture(makeStore);
    for (const area of areas) area(fixture);
  });
}
