import type { Generated } from 'kysely';

/**
 * Table shapes as Kysely sees them. Timestamps are ISO-8601 text and booleans are
 * 0/1 integers in both dialects, so one set of migrations and mappers serves both.
 */
export interface Database {
  users: UsersTable;
  refresh_tokens: RefreshTokensTable;
  sessions: SessionsTable;
  rooms: RoomsTable;
  members: MembersTable;
  messages: MessagesTable;
  notices: NoticesTable;
  announcements: AnnouncementsTable;
  uploads: UploadsTable;
  jobs: JobsTable;
  reactions: ReactionsTable;
  pins: PinsTable;
  mentions: MentionsTable;
  search_backlog: SearchBacklogTable;
}

export interface UsersTable {
  id: string;
  username: string;
  /** Lowercased username; its unique index makes usernames unique case-insensitively. */
  username_key: string;
  display_name: string;
  avatar_url: string | null;
  status_message: string | null;
  password_hash: string;
  is_platform_admin: Generated<number>;
  created_at: string;
}

export interface RefreshTokensTable {
  token_hash: string;
  user_id: string;
  family_id: string;
  expires_at: string;
  created_at: string;
  used_at: string | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

export interface RoomsTable {
  id: string;
  kind: string;
  name: string;
  avatar_url: string | null;
  last_seq: Generated<number>;
  /** Sorted pair of user ids for direct rooms; null for groups. */
  direct_key: string | null;
  created_at: string;
  description?: string | null;
}

export interface MembersTable {
  room_id: string;
  user_id: string;
  role: string;
  joined_seq: number;
  last_read_seq: number;
  joined_at: string;
  left_at: string | null;
  /** Optional in the type only: rows written before 0005 and inserts that leave the default. */
  notify?: string;
  mute_until?: string | null;
}

export interface MessagesTable {
  room_id: string;
  seq: number;
  id: string;
  sender_id: string;
  kind: string;
  body: string;
  client_msg_id: string | null;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
  /** JSON array of attachments (0004); absent from rows written by writers that do not set it. */
  attachments?: string | null;
  reply_to_id?: string | null;
  reply_to_seq?: number | null;
  reply_to_sender_id?: string | null;
  reply_to_excerpt?: string | null;
  reply_to_edited?: number | null;
  reply_to_deleted?: number | null;
  /** JSON array of user ids, or null. */
  mentions?: string | null;
  mentions_all?: number;
  /** SQLite only: rowid of the message's FTS5 row (the id of its first backlog entry). */
  search_id?: number | null;
}

export interface NoticesTable {
  id: string;
  room_id: string;
  author_id: string;
  body: string;
  created_at: string;
  active: number;
}

export interface AnnouncementsTable {
  id: string;
  author_id: string;
  body: string;
  created_at: string;
}

export interface UploadsTable {
  id: string;
  owner_id: string;
  purpose: string;
  room_id: string | null;
  name: string;
  content_type: string;
  size: number;
  storage_key: string;
  state: string;
  claim_key: string | null;
  message_id: string | null;
  width: number | null;
  height: number | null;
  placeholder: string | null;
  /** JSON array of variant names. */
  variants: Generated<string>;
  created_at: string;
  completed_at: string | null;
}

export interface JobsTable {
  id: string;
  kind: string;
  key: string;
  payload: string;
  state: string;
  run_at: string;
  lease_owner: string | null;
  lease_until: string | null;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
}

export interface ReactionsTable {
  message_id: string;
  emoji: string;
  user_id: string;
  room_id: string;
  created_at: string;
}

export interface PinsTable {
  room_id: string;
  message_id: string;
  seq: number;
  pinned_by: string;
  pinned_at: string;
}

/** `user_id` is `*` for `@all`. */
export interface MentionsTable {
  room_id: string;
  user_id: string;
  seq: number;
}

/** Text messages sent, edited or deleted since the indexer last ran (see search-indexer.ts). */
export interface SearchBacklogTable {
  id: Generated<number>;
  room_id: string;
  seq: number;
}
