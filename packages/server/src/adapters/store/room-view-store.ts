import { sql, type Selectable } from 'kysely';
import { compareRooms } from '@chatchat/protocol';
import type { RoomView, Store } from '../../ports/store.js';
import { settingsOnly, toMember, toMessage, toNotice, toRoom } from './row-mappers.js';
import type { MembersTable, MessagesTable, RoomsTable } from './schema.js';
import type { StoreContext } from './store-context.js';

export type RoomViewStore = Pick<Store, 'listRoomsForUser' | 'getRoomForUser'>;

/** The message columns a room view carries for its last message, selected as `msg_<column>`. */
const messageColumns = [
  'room_id',
  'seq',
  'id',
  'sender_id',
  'kind',
  'body',
  'client_msg_id',
  'created_at',
  'edited_at',
  'deleted_at',
  'attachments',
  'reply_to_id',
  'reply_to_seq',
  'reply_to_sender_id',
  'reply_to_excerpt',
  'reply_to_edited',
  'reply_to_deleted',
  'mentions',
  'mentions_all',
] as const satisfies ReadonlyArray<keyof MessagesTable>;

type ViewRow = Selectable<RoomsTable> &
  Pick<MembersTable, 'room_id' | 'user_id' | 'role' | 'joined_seq' | 'last_read_seq' | 'notify' | 'mute_until'> & {
    member_count: number | string;
    /** 1 when the room may have unread mentions of the viewer or has pins: `roomExtras` loads them. */
    more_extras: number | boolean;
    notice_id: string | null;
    notice_author_id: string;
    notice_body: string;
    notice_created_at: string;
  } & Record<`msg_${(typeof messageColumns)[number]}`, unknown>;

/**
 * A user's room list is one query whatever the number of rooms: each membership with its room,
 * the room's last message, its active notice, its member count and the viewer's settings; only
 * rooms with pins or possible unread mentions need `roomExtras` after it. (It was four, and on
 * PostgreSQL every hello waits for each round trip through a shared pool.) One statement also
 * reads one snapshot, so the last message always matches the room's lastSeq. Direct peers come
 * from the room's direct key.
 */
export function createRoomViewStore({ db }: StoreContext): RoomViewStore {
  async function views(userId: string, roomId?: string): Promise<RoomView[]> {
    const oneRoom = roomId === undefined ? sql`` : sql`and m.room_id = ${roomId}`;
    const { rows } = await sql<ViewRow>`
      select r.id, r.kind, r.name, r.avatar_url, r.last_seq, r.direct_key, r.created_at, r.description,
        m.room_id, m.user_id, m.role, m.joined_seq, m.last_read_seq, m.notify, m.mute_until,
        (select count(*) from members o where o.room_id = m.room_id and o.left_at is null) as member_count,
        (exists (select 1 from mentions x where x.room_id = m.room_id and x.user_id in (m.user_id, '*')
            and x.seq > m.last_read_seq and x.seq > m.joined_seq)
          or exists (select 1 from pins p where p.room_id = m.room_id)) as more_extras,
        n.id as notice_id, n.author_id as notice_author_id, n.body as notice_body, n.created_at as notice_created_at,
        ${sql.join(messageColumns.map((c) => sql`msg.${sql.ref(c)} as ${sql.ref(`msg_${c}`)}`))}
      from members m
      join rooms r on r.id = m.room_id
      left join messages msg on msg.room_id = r.id and msg.seq = r.last_seq
      left join notices n on n.room_id = m.room_id and n.active = 1
      where m.user_id = ${userId} and m.left_at is null ${oneRoom}`.execute(db);
    const out = rows.map((r): RoomView => {
      const room = toRoom(r);
      return {
        room,
        member: toMember(r),
        memberCount: Number(r.member_count),
        lastMessage: r.msg_id === null ? null : toMessage(unprefixed(r)),
        notice:
          r.notice_id === null
            ? null
            : toNotice({
                id: r.notice_id,
                room_id: r.room_id,
                author_id: r.notice_author_id,
                body: r.notice_body,
                created_at: r.notice_created_at,
                active: 1,
              }),
        peerId: room.kind === 'direct' ? peerFromKey(r.direct_key, userId) : null,
        extras: r.more_extras ? undefined : settingsOnly(r),
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

function unprefixed(r: ViewRow): MessagesTable {
  const row = r as unknown as Record<string, unknown>;
  return Object.fromEntries(messageColumns.map((c) => [c, row[`msg_${c}`]])) as unknown as MessagesTable;
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
