import type { Announcement, Message, MessageKind, Notice, NotifyLevel, Role, RoomKind } from '@chatchat/protocol';
import type { Selectable } from 'kysely';
import type { RoomExtras, RoomSettings } from '../../ports/conversation-store.js';
import type { MemberRecord, RefreshTokenRow, RoomRecord, UserRecord } from '../../ports/store.js';
import type {
  AnnouncementsTable,
  MembersTable,
  MessagesTable,
  NoticesTable,
  RefreshTokensTable,
  RoomsTable,
  UsersTable,
} from './schema.js';

// Counts and seqs may arrive as strings or bigints from a driver; all are at most 2^53.
const int = (v: number | string | bigint): number => Number(v);

export function toUser(r: Selectable<UsersTable>): UserRecord {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    avatarUrl: r.avatar_url ?? null,
    statusMessage: r.status_message ?? null,
    passwordHash: r.password_hash,
    isPlatformAdmin: int(r.is_platform_admin) === 1,
    createdAt: r.created_at,
  };
}

export function toRefreshToken(r: Selectable<RefreshTokensTable>): RefreshTokenRow {
  return {
    tokenHash: r.token_hash,
    userId: r.user_id,
    familyId: r.family_id,
    expiresAt: r.expires_at,
    createdAt: r.created_at,
  };
}

export function toRoom(r: Omit<Selectable<RoomsTable>, 'description'> & { description?: string | null }): RoomRecord {
  return {
    id: r.id,
    kind: r.kind as RoomKind,
    name: r.name,
    avatarUrl: r.avatar_url ?? null,
    lastSeq: int(r.last_seq),
    createdAt: r.created_at,
    description: r.description ?? null,
  };
}

export function toMember(r: Pick<MembersTable, 'room_id' | 'user_id' | 'role' | 'joined_seq' | 'last_read_seq'>): MemberRecord {
  return {
    roomId: r.room_id,
    userId: r.user_id,
    role: r.role as Role,
    joinedSeq: int(r.joined_seq),
    lastReadSeq: int(r.last_read_seq),
  };
}

/** A member row's notification settings (rows written before 0005 carry none: 'all'). */
export function toRoomSettings(r: Pick<MembersTable, 'notify' | 'mute_until'>): RoomSettings {
  return { notify: (r.notify ?? 'all') as NotifyLevel, muteUntil: r.mute_until ?? null };
}

/** A member's extras in a room with no unread mention of them and no pin. */
export function settingsOnly(r: Pick<MembersTable, 'notify' | 'mute_until'>): RoomExtras {
  return { ...toRoomSettings(r), mentionCount: 0, mentionSeqs: [], pins: [] };
}

export function toMessage(r: Omit<MessagesTable, 'attachments'> & { attachments?: string | null }): Message {
  return {
    id: r.id,
    roomId: r.room_id,
    seq: int(r.seq),
    senderId: r.sender_id,
    kind: r.kind as MessageKind,
    body: r.body,
    clientMsgId: r.client_msg_id ?? null,
    createdAt: r.created_at,
    editedAt: r.edited_at ?? null,
    deletedAt: r.deleted_at ?? null,
    ...(r.attachments ? { attachments: JSON.parse(r.attachments) } : {}),
    replyTo: r.reply_to_id
      ? {
          messageId: r.reply_to_id,
          seq: int(r.reply_to_seq ?? 0),
          senderId: r.reply_to_sender_id ?? '',
          excerpt: r.reply_to_excerpt ?? '',
          deleted: int(r.reply_to_deleted ?? 0) === 1,
          edited: int(r.reply_to_edited ?? 0) === 1,
        }
      : null,
    mentions: r.mentions ? (JSON.parse(r.mentions) as string[]) : [],
    mentionsAll: int(r.mentions_all ?? 0) === 1,
  };
}

export function toNotice(r: Selectable<NoticesTable>): Notice {
  return { id: r.id, roomId: r.room_id, authorId: r.author_id, body: r.body, createdAt: r.created_at };
}

export function toAnnouncement(r: Selectable<AnnouncementsTable>): Announcement {
  return { id: r.id, authorId: r.author_id, body: r.body, createdAt: r.created_at };
}
