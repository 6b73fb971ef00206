import { Limits, type OpReply, type RoomReaders } from '@chatchat/protocol';
import type { Store, UserRecord } from '../../ports/store.js';
import type { Clock } from '../../ports/clock.js';
import { toPublicUser } from '../auth/auth-service.js';
import type { RoomService } from '../rooms/room-service.js';
import type { PresenceService } from '../presence/presence-service.js';
import type { NoticeService } from '../notices/notice-service.js';

export interface SnapshotServiceOptions {
  store: Store;
  clock: Clock;
  rooms: RoomService;
  presence: PresenceService;
  notices: NoticeService;
}

export type SnapshotService = ReturnType<typeof createSnapshotService>;

/**
 * The hello reply: everything a client needs to be right again after any reconnect,
 * except message bodies, which it fills by seq. Read pointers and member profiles come
 * only for the rooms the client asks for (the ones it shows) and only if they are small;
 * others come with `room.members`. (Every small room's pointers in every hello made one
 * user in 20 rooms of 100 cost 2,000 member rows per reconnect: 86 hellos/s in a storm.)
 */
export function createSnapshotService({ store, clock, rooms, presence, notices }: SnapshotServiceOptions) {
  return {
    /** Members with read pointers, their profiles and presence: `room.members` and the HTTP members route. */
    async roomMembers(userId: string, roomId: string) {
      const { members, users } = await rooms.members(userId, roomId);
      return { members, users, presence: await presence.lookup(members.map((m) => m.userId)) };
    },

    async build(user: UserRecord, connectionId: string, readerRoomIds: readonly string[] = []): Promise<OpReply<'hello'>> {
      const { rooms: list, totalUnread, totalMentions } = await rooms.list(user.id);
      const wanted = new Set(readerRoomIds);
      const small = list.filter((r) => wanted.has(r.id) && r.memberCount <= Limits.snapshotReadersPerRoom);
      const byRoom = new Map<string, RoomReaders>(small.map((r) => [r.id, { roomId: r.id, members: [] }]));
      if (small.length > 0) {
        for (const { roomId, ...member } of await store.listMembersOfRooms(small.map((r) => r.id))) {
          byRoom.get(roomId)?.members.push(member);
        }
      }
      const readers = [...byRoom.values()];
      const userIds = new Set<string>(readers.flatMap((r) => r.members.map((m) => m.userId)));
      // The room list names direct peers and the senders of last messages.
      for (const r of list) {
        if (r.peerId) userIds.add(r.peerId);
        if (r.lastMessage) userIds.add(r.lastMessage.senderId);
      }
      userIds.delete(user.id);
      const [peers, peerPresence, announcements] = await Promise.all([
        store.getUsers([...userIds]),
        presence.lookup([...userIds]),
        notices.snapshotAnnouncements(),
      ]);
      return {
        user: toPublicUser(user),
        connectionId,
        serverTime: clock.nowIso(),
        rooms: list,
        totalUnread,
        totalMentions,
        users: [toPublicUser(user), ...peers.map(toPublicUser)],
        presence: peerPresence,
        readers,
        announcements,
      };
    },
  };
}
