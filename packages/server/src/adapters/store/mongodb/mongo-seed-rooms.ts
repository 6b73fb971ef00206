import { MongoClient } from 'mongodb';
import { randomUUID } from 'node:crypto';
import type { StoreUnderTest } from '../../../ports/store.contract.js';
import { inChunks } from '../in-chunks.js';
import { collections, memberId } from './mongo-documents.js';
import { addUserRooms } from './mongo-member-index.js';

/** Test seeding for the many-rooms contract: bulk inserts on a second client. */
export function mongoSeedRooms(url: string): NonNullable<StoreUnderTest['seedRooms']> {
  return async ({ ownerId, memberId: userId, count, now }) => {
    const ids = Array.from({ length: count }, () => randomUUID());
    const client = new MongoClient(url, { retryWrites: false });
    try {
      const c = collections(client.db());
      await inChunks(
        ids,
        async (part) => {
          await c.rooms.insertMany(
            part.map((id) => ({
              _id: id,
              kind: 'group',
              name: 'seeded',
              avatarUrl: null,
              lastSeq: 0,
              directKey: `group:${id}`,
              createdAt: now,
            })),
          );
          await c.members.insertMany(
            part.flatMap((id) =>
              [
                [ownerId, 'owner'],
                [userId, 'member'],
              ].map(([u, role]) => ({
                _id: memberId(id, u!),
                roomId: id,
                userId: u!,
                role: role!,
                joinedSeq: 0,
                lastReadSeq: 0,
                joinedAt: now,
                leftAt: null,
              })),
            ),
          );
        },
        5,
      );
      // The users' room slots, in bulk (no racing writers here); rosters are computed on first read.
      for (const u of new Set([ownerId, userId])) await addUserRooms(c, u, ids);
    } finally {
      await client.close();
    }
    return ids;
  };
}
