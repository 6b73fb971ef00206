import { Type, type Static } from '@sinclair/typebox';
import {
  ClientTimestamp, Id, Member, Message, MessageReactions, Notice, NotifyLevel, Announcement, Presence, Room, RoomDescription, SearchCursor,
  SearchQueryText, SearchResult, Timestamp, User,
} from './entities.js';
import { ErrorCodes } from './errors.js';
import { Limits } from './limits.js';

/** Request and response bodies of the HTTP API (`/api/v1`), shared by server (validation, OpenAPI) and SDK. */

const Username = Type.String({
  minLength: 3, maxLength: Limits.maxUsernameChars, pattern: '^[a-zA-Z0-9_.-]+$',
  description: 'letters, digits, `_`, `.`, `-`',
});
const Password = Type.String({ minLength: Limits.minPasswordChars, maxLength: Limits.maxPasswordChars });
const DisplayName = Type.String({ minLength: 1, maxLength: Limits.maxDisplayNameChars });

export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.Union(Object.keys(ErrorCodes).map((c) => Type.Literal(c))),
    message: Type.String(),
  }),
});

export const SignupBody = Type.Object({ username: Username, password: Password, displayName: DisplayName }, { additionalProperties: false });
export type SignupBody = Static<typeof SignupBody>;
export const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: Limits.maxPasswordChars }),
}, { additionalProperties: false });
export type LoginBody = Static<typeof LoginBody>;
export const AuthResponse = Type.Object({ user: User, accessToken: Type.String(), refreshToken: Type.String() });
export type AuthResponse = Static<typeof AuthResponse>;
export const RefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false });
export const TokensResponse = Type.Object({ accessToken: Type.String(), refreshToken: Type.String() });
export type TokensResponse = Static<typeof TokensResponse>;
export const LogoutBody = RefreshBody;

export const MeResponse = Type.Object({ user: User });
export const UpdateMeBody = Type.Object({
  displayName: Type.Optional(DisplayName),
  avatarUrl: Type.Optional(Type.Union([Type.String({ maxLength: Limits.maxAvatarUrlChars }), Type.Null()])),
  statusMessage: Type.Optional(Type.Union([Type.String({ maxLength: Limits.maxStatusMessageChars }), Type.Null()])),
}, { additionalProperties: false });
export type UpdateMeBody = Static<typeof UpdateMeBody>;
export const UsersResponse = Type.Object({ users: Type.Array(User) });

const MemberIds = Type.Array(Id, { maxItems: Limits.maxMembersPerCall });
export const CreateRoomBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: Limits.maxRoomNameChars }),
  memberIds: MemberIds,
}, { additionalProperties: false });
export type CreateRoomBody = Static<typeof CreateRoomBody>;
export const DirectRoomBody = Type.Object({ userId: Id }, { additionalProperties: false });
export const UpdateRoomBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: Limits.maxRoomNameChars })),
  avatarUrl: Type.Optional(Type.Union([Type.String({ maxLength: Limits.maxAvatarUrlChars }), Type.Null()])),
  /** Empty or null clears it. */
  description: Type.Optional(Type.Union([RoomDescription, Type.Null()])),
}, { additionalProperties: false });
export type UpdateRoomBody = Static<typeof UpdateRoomBody>;
export const RoomResponse = Type.Object({ room: Room });
export const RoomsResponse = Type.Object({
  rooms: Type.Array(Room),
  totalUnread: Type.Integer({ minimum: 0 }),
  /** Sum of the rooms' `mentionCount`. */
  totalMentions: Type.Integer({ minimum: 0 }),
});
export const AddMembersBody = Type.Object({ userIds: Type.Array(Id, { minItems: 1, maxItems: Limits.maxMembersPerCall }) }, { additionalProperties: false });
export const UpdateMemberBody = Type.Object({
  role: Type.Union([Type.Literal('admin'), Type.Literal('member'), Type.Literal('owner')]),
}, { additionalProperties: false });
export const MembersResponse = Type.Object({
  members: Type.Array(Member),
  users: Type.Array(User),
  presence: Type.Array(Presence),
});

export const HistoryQuery = Type.Object({
  beforeSeq: Type.Optional(Type.Integer({ minimum: 0 })),
  afterSeq: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: Limits.maxHistoryPage })),
});
export type HistoryQuery = Static<typeof HistoryQuery>;
export const MessagesResponse = Type.Object({ messages: Type.Array(Message), reactions: Type.Array(MessageReactions) });

export const SearchQuery = Type.Object({
  query: SearchQueryText,
  roomId: Type.Optional(Id),
  before: Type.Optional(SearchCursor),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: Limits.maxSearchPage })),
});
export type SearchQuery = Static<typeof SearchQuery>;
export const SearchResponse = Type.Object({ results: Type.Array(SearchResult), nextBefore: Type.Union([SearchCursor, Type.Null()]) });
export type SearchResponse = Static<typeof SearchResponse>;

export const ReactionUsersResponse = Type.Object({
  roomId: Id,
  messageId: Id,
  reactions: Type.Array(Type.Object({ emoji: Type.String(), userIds: Type.Array(Id) })),
});
export const RoomSettingsBody = Type.Object({
  notify: NotifyLevel,
  muteUntil: Type.Optional(Type.Union([ClientTimestamp, Type.Null()])),
}, { additionalProperties: false });
export type RoomSettingsBody = Static<typeof RoomSettingsBody>;
export const RoomSettingsResponse = Type.Object({ roomId: Id, notify: NotifyLevel, muteUntil: Type.Union([Timestamp, Type.Null()]) });

export const NoticeBody = Type.Object({ body: Type.String({ minLength: 1, maxLength: Limits.maxNoticeChars }) }, { additionalProperties: false });
export const NoticeResponse = Type.Object({ notice: Notice });
export const AnnouncementResponse = Type.Object({ announcement: Announcement });
export const AnnouncementsResponse = Type.Object({ announcements: Type.Array(Announcement) });
