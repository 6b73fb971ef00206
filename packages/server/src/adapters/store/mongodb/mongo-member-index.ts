import { inChunks } from '../in-chunks.js';
import { BY_ID_LOOKUPS, firstWriteError, raiseTo, type Collections } from './mongo-documents.js';

/**
 * Who is in which room, read by `_id` alone (FerretDB serves nothing else from an index;
 * a members scan per hello made 200 simultaneous hellos take over 5 s there). The member
 * documents stay the truth; these are indexes over them that no concurrent writer can
 * corrupt, because nothing here is read, modified and written back:
 *
 * - a user's rooms: insert-only slot documents `<userId>\u0001<n>` (n = 0, 1, … gap-free,
 *   claimed by unique insert; `user:<id>` holds a lower bound of the count, raised with
 *   `$max`). Taken before the member document is inserted, so every member document has
 *   one; a user's slots are a superset of their current rooms, the member documents say
 *   which are current.
 * - a room's roster: `room:<id>` holds a version raised after every join and leave. Each
 *   process keeps the roster (current user ids in join order) per room and version,
 *   computed once by the member query: a writer reads the version after its write and
 *   raises it past what it read, so whoever reads the new version computes after the write.
 */

const slotId = (userId: string, n: number) => `${userId}\u0001${n}`;
const userClock = (userId: string) => `user:${userId}`;
const roomClock = (roomId: string) => `room:${roomId}`;

async function readClock(c: Collections, id: string): Promise<number> {
  return (await c.memberClocks.findOne({ _id: id }))?.value ?? 0;
}

/** Slots read so far, per collection and user: they never change, so only newer ones are read again. */
const knownSlots = new WeakMap<object, Map<string, string[]>>();
const KNOWN_USERS = 10_000;

function slotsKnown(c: Collections): Map<string, string[]> {
  let known = knownSlots.get(c.userRooms);
  if (!known) knownSlots.set(c.userRooms, (known = new Map()));
  return known;
}

/** Keeps what slots `start`, `start + 1`, … hold when every slot below `start` is known. */
function learnSlots(c: Collections, userId: string, start: number, roomIds: readonly string[]): void {
  const known = slotsKnown(c);
  const had = known.get(userId) ?? (start === 0 ? [] : undefined);
  if (had?.length !== start) return;
  if (!known.has(userId) && known.size >= KNOWN_USERS) known.delete(known.keys().next().value!);
  known.set(userId, [...had, ...roomIds]);
}

/**
 * Records that the user is about to join these rooms: call before inserting their member
 * documents. Slots are claimed from the hint up in ordered inserts (a slot is written only
 * after the one before it); a racing taker of a slot makes the rest move one further up.
 */
export async function addUserRooms(c: Collections, userId: string, roomIds: readonly string[]): Promise<void> {
  if (roomIds.length === 0) return;
  let n = await readClock(c, userClock(userId));
  for (let rest = [...roomIds]; rest.length > 0; ) {
    // At most 50 per insert, as for messages: FerretDB goes on past a failure after 100.
    const docs = rest.slice(0, 50).map((roomId, i) => ({ _id: slotId(userId, n + i), userId, roomId }));
    try {
      await c.userRooms.insertMany(docs, { ordered: true });
      learnSlots(c, userId, n, rest.slice(0, docs.length));
      n += docs.length;
      rest = rest.slice(docs.length);
    } catch (err) {
      const failed = firstWriteError(err);
      if (!failed?.duplicate) throw err;
      learnSlots(c, userId, n, rest.slice(0, failed.index));
      n += failed.index + 1;
      rest = rest.slice(failed.index);
    }
  }
  await raiseTo(c.memberClocks, userClock(userId), 'value', n, { upsert: true });
}

/**
 * The rooms the user was ever added to (room ids of their slots in order, repeats
 * possible); undefined when there are more than `max` (then one member query is cheaper
 * than a lookup per room).
 */
export async function userRoomCandidates(c: Collections, userId: string, max = BY_ID_LOOKUPS): Promise<string[] | undefined> {
  const known = slotsKnown(c);
  const read = async (n: number) => (await c.userRooms.findOne({ _id: slotId(userId, n) }))?.roomId;
  const had = known.get(userId);
  let slots: Array<string | undefined>;
  if (!had) {
    const hint = await readClock(c, userClock(userId));
    if (hint > max) return undefined;
    // The slots below the hint exist; the one at the hint is read at once too, as the hint
    // lags a writer that has inserted its slot but not yet raised it.
    slots = await Promise.all(Array.from({ length: hint + 1 }, (_, n) => read(n)));
  } else {
    slots = [...had, await read(had.length)];
  }
  while (slots[slots.length - 1] !== undefined) {
    if (slots.length > max) return undefined;
    slots.push(await read(slots.length));
  }
  const found = slots.filter((r): r is string => r !== undefined);
  if (found.length === slots.length - 1) learnSlots(c, userId, had?.length ?? 0, found.slice(had?.length ?? 0));
  return found;
}

/** After the member documents of a room changed (a join, a leave, a rejoin). */
export async function touchRoster(c: Collections, roomId: string): Promise<void> {
  const seen = await readClock(c, roomClock(roomId));
  await raiseTo(c.memberClocks, roomClock(roomId), 'value', seen + 1, { upsert: true });
}

const CACHED_ROSTERS = 10_000;

/** A room's current members: how many, and who in join order (kept for small rooms only). */
export interface Roster {
  count: number;
  userIds?: string[];
}

/** Rosters by room for one store (one process), each under the version it was computed at. */
export function createRosterCache(c: Collections) {
  const cache = new Map<string, { version: number; roster: Promise<Roster> }>();

  /** One member query for every roster not cached (a scan on FerretDB; once per room and version). */
  const compute = (roomIds: string[]): Promise<Map<string, Roster>> =>
    inChunks(roomIds, (part) =>
      c.members
        .find({ roomId: { $in: part }, leftAt: null }, { projection: { roomId: 1, userId: 1, joinedAt: 1 } })
        .sort({ roomId: 1, joinedAt: 1, userId: 1 })
        .toArray(),
    ).then((docs) => {
      const byRoom = new Map<string, string[]>(roomIds.map((id) => [id, []]));
      for (const d of docs) byRoom.get(d.roomId)?.push(d.userId);
      return new Map(
        [...byRoom].map(([id, userIds]) => [id, { count: userIds.length, ...(userIds.length <= BY_ID_LOOKUPS ? { userIds } : {}) }]),
      );
    });

  return {
    /** The rosters of the rooms; undefined for more than `max` rooms (then one member query costs less than a version lookup each). */
    async rosters(roomIds: readonly string[], max = BY_ID_LOOKUPS): Promise<Map<string, Roster> | undefined> {
      const ids = [...new Set(roomIds)];
      if (ids.length > max) return undefined;
      const versions = await Promise.all(ids.map((id) => readClock(c, roomClock(id))));
      const entries = ids.map((id, i) => {
        const had = cache.get(id);
        return had?.version === versions[i] ? had : undefined;
      });
      const missing = ids.filter((_, i) => !entries[i]);
      if (missing.length > 0) {
        const batch = compute(missing);
        for (const [i, roomId] of ids.entries()) {
          if (entries[i]) continue;
          const entry = { version: versions[i]!, roster: batch.then((m) => m.get(roomId) ?? { count: 0 }) };
          entries[i] = entry;
          cache.delete(roomId);
          if (cache.size >= CACHED_ROSTERS) cache.delete(cache.keys().next().value!);
          cache.set(roomId, entry);
          entry.roster.catch(() => cache.get(roomId) === entry && cache.delete(roomId));
        }
      }
      const rosters = await Promise.all(entries.map((e) => e!.roster));
      return new Map(ids.map((id, i) => [id, rosters[i]!]));
    },
  };
}
