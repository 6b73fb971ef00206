import { compareRooms, type Message, type Notice } from '@chatchat/protocol';
import type { RoomView, Store } from '../../ports/store.js';
import { toMember, toMessage, toNotice, toRoom } from './row-mappers.js';
import type { StoreContext } from './store-context.js';

export type RoomViewStore = Pick<Store, 'listRoomsForUser' | 'getRoomForUser'>;

/**
 * Room lists are built from four queries whatever the number of rooms (rooms with
 * the member rows, last messages, active notices, member counts); direct peers come
 * from the room's direct key.
 */
export function createRoomViewStore({ db }: StoreContext): RoomViewStore {
  const myMemberships = (userId: string, roomId?: string) => {
    let q = db.selectFrom('members as m').where('m.user_id', '=', userId).where('m.left_at', 'is', null);
    if (roomId !== undefined) q = q.where('m.room_id', '=', roomId);
    return q;
  };

  async function views(userId: string, roomId?: string): Promise<RoomView[]> {
    const rows = await myMemberships(userId, roomId)
      .innerJoin('rooms as r', 'r.id', 'm.room_id')
      .select([
        'r.id',
        'r.kind',
        'r.name',
        'r.avatar_url',
        'r.last_seq',
        'r.direct_key',
        'r.created_at',
        'r.description',
        'm.room_id',
        'm.user_id',
        'm.role',
        'm.joined_seq',
        'm.last_read_seq',
      ])
      .execute();
    if (rows.length === 0) return [];

    const [lastMessages, notices, counts] = await Promise.all([
      myMemberships(userId, roomId)
        .innerJoin('rooms as r', 'r.id', 'm.room_id')
        .innerJoin('messages as msg', (j) => j.onRef('msg.room_id', '=', 'r.id').onRef('msg.seq', '=', 'r.last_seq'))
        .selectAll('msg')
        .execute(),
      myMemberships(userId, roomId).innerJoin('notices as n', 'n.room_id', 'm.room_id').selectAll('n').where('n.active', '=', 1).execute(),
      myMemberships(userId, roomId)
        .innerJoin('members as o', 'o.room_id', 'm.room_id')
        .where('o.left_at', 'is', null)
        .select((eb) => ['m.room_id', eb.fn.count<number | string>('o.user_id').as('n')])
        .groupBy('m.room_id')
        .execute(),
    ]);

    const messageByRoom = new Map<string, Message>(lastMessages.map((r) => [r.room_id, toMessage(r)]));
    const noticeByRoom = new Map<string, Notice>(notices.map((r) => [r.room_id, toNotice(r)]));
    const countByRoom = new Map<string, number>(counts.map((r) => [r.room_id, Number(r.n)]));

    const out = rows.map((r): RoomView => {
      const room = toRoom(r);
      const lastMessage = messageByRoom.get(r.id) ?? null;
      // A send that landed between the queries is newer than the room row we read;
      // keep lastSeq consistent with the message shown.
      if (lastMessage && lastMessage.seq > room.lastSeq) room.lastSeq = lastMessage.seq;
      return {
        room,
        member: toMember(r),
        memberCount: countByRoom.get(r.id) ?? 0,
        lastMessage,
        notice: noticeByRoom.get(r.id) ?? null,
        peerId: room.kind === 'direct' ? peerFromKey(r.direct_key, userId) : null,
      };
    });
    return out.sort(byActivity);
  }

  return {
    listRoomsForUser: (userId) => views(userId),
    async getRoomForUser(roomId, userId) {
      const [view] = await views(userId, roomId);
      return view;
    },
  };
}

/** Room lists: newest activity (last message, else creation) first, ties by id descending. Every store sorts with this. */
/** The room-list order of every store: the one rule in the protocol (`compareRooms`). */
export function byActivity(a: RoomView, b: RoomView): number {
  const orderKey = (v: RoomView) => ({ id: v.room.id, createdAt: v.room.createdAt, lastMessage: v.lastMessage });
  return compareRooms(orderKey(a), orderKey(b));
}

export function peerFromKey(key: string | null, userId: string): string | null {
  if (!key) return null;
  const sep = key.indexOf(':');
  const a = key.slice(0, sep);
  const b = key.slice(sep + 1);
  return a === userId ? b : a;
}
