import { Type, type Static } from '@sinclair/typebox';
import { Id, Member, Message, Notice, Announcement, Presence, Room, User } from './entities.js';
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

/** `cookie`: the refresh token goes into an httpOnly cookie instead of the JSON body (browsers). */
const TokenTransport = Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('cookie')]));
export const SignupBody = Type.Object({
  username: Username, password: Password, displayName: DisplayName, transport: TokenTransport,
}, { additionalProperties: false });
export type SignupBody = Static<typeof SignupBody>;
export const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: Limits.maxPasswordChars }),
  transport: TokenTransport,
}, { additionalProperties: false });
export type LoginBody = Static<typeof LoginBody>;
export const AuthResponse = Type.Object({ user: User, accessToken: Type.String(), refreshToken: Type.String() });
export type AuthResponse = Static<typeof AuthResponse>;
/** Without `refreshToken`, the `chatchat_refresh` cookie is used. */
export const RefreshBody = Type.Object({ refreshToken: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })) }, { additionalProperties: false });
export const TokensResponse = Type.Object({ accessToken: Type.String(), refreshToken: Type.String() });
export type TokensResponse = Static<typeof TokensResponse>;
export const LogoutBody = RefreshBody;
/** Signup/login/refresh answer for `transport: "cookie"`: the refresh token is only in the cookie. */
export const CookieAuthResponse = Type.Object({ user: User, accessToken: Type.String() });
export type CookieAuthResponse = Static<typeof CookieAuthResponse>;
export const CookieTokensResponse = Type.Object({ accessToken: Type.String() });

export const MeResponse = Type.Object({ user: User });
export const UpdateMeBody = Type.Object({
  displayName: Type.Optional(DisplayName),
  avatarUrl: Type.Optional(Type.Union([Type.String({ maxLength: Limits.maxAvatarUrlChars }), Type.Null()])),
  statusMessage: Type.Optional(Type.Union([Type.String({ maxLength: Limits.maxStatusMessageChars }), Type.Null()])),
}, { additionalProperties: false });
export type UpdateMeBody = Static<typeof UpdateMeBody>;
export const UsersResponse = Type.Object({ users: Type.Array(User) });
export const UserSearchQuery = Type.Object({
  query: Type.String({ minLength: 1, maxLength: Limits.maxUserSearchChars }),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: Limits.maxUserSearchPage })),
  /** `nextCursor` of the previous page. */
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
}, { additionalProperties: false });
export type UserSearchQuery = Static<typeof UserSearchQuery>;
export const UserSearchResponse = Type.Object({
  users: Type.Array(User),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type UserSearchResponse = Static<typeof UserSearchResponse>;

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
}, { additionalProperties: false });
export type UpdateRoomBody = Static<typeof UpdateRoomBody>;
export const RoomResponse = Type.Object({ room: Room });
export const RoomsResponse = Type.Object({ rooms: Type.Array(Room), totalUnread: Type.Integer({ minimum: 0 }) });
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
export const MessagesResponse = Type.Object({ messages: Type.Array(Message) });

export const NoticeBody = Type.Object({ body: Type.String({ minLength: 1, maxLength: Limits.maxNoticeChars }) }, { additionalProperties: false });
export const NoticeResponse = Type.Object({ notice: Notice });
export const AnnouncementResponse = Type.Object({ announcement: Announcement });
export const AnnouncementsResponse = Type.Object({ announcements: Type.Array(Announcement) });
