import type { MemberRecord, RoomRecord, Store } from '../../ports/store.js';
import { notFound } from '../../errors.js';

export interface Membership {
  member: MemberRecord;
  room: RoomRecord;
}

/**
 * The one membership check every room-scoped action starts with. "No such room" and
 * "not yours" get the same answer, so room ids are not enumerable.
 */
export async function requireMembership(store: Pick<Store, 'getMember' | 'getRoom'>, roomId: string, userId: string): Promise<Membership> {
  const [member, room] = await Promise.all([store.getMember(roomId, userId), store.getRoom(roomId)]);
  if (!member || !room) throw notFound('room');
  return { member, room };
}
