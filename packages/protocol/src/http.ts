import { Type, type Static } from '@sinclair/typebox';
import {
  Attachment,
  AttachmentVariant,
  ClientText,
  ClientTimestamp,
  Id,
  Member,
  Message,
  MessageReactions,
  Notice,
  NotifyLevel,
  Announcement,
  Presence,
  Room,
  RoomDescription,
  SearchCursor,
  SearchQueryText,
  SearchResult,
  Seq,
  Timestamp,
  User,
} from './entities.js';
import { ErrorCodes } from './errors.js';
import { Limits } from './limits.js';

/** Request and response bodies of the HTTP API (`/api/v1`), shared by server (validation, OpenAPI) and SDK. */

const Username = Type.String({
  minLength: 3,
  maxLength: Limits.maxUsernameChars,
  pattern: '^[a-zA-Z0-9_.-]+$',
  description: 'letters, digits, `_`, `.`, `-`',
});
const Password = ClientText({ minLength: Limits.minPasswordChars, maxLength: Limits.maxPasswordChars });
const DisplayName = ClientText({ minLength: 1, maxLength: Limits.maxDisplayNameChars });
/**
 * Only pictures this server serves: `/api/v1/attachments/<id>` (a path, so never a foreign
 * host: `//host` and `/\host` do not match). Null removes the avatar.
 */
export const avatarPathPattern = '^/api/v1/attachments/[A-Za-z0-9_-]{1,64}$';
const AvatarUrl = Type.Union([Type.String({ maxLength: Limits.maxAvatarUrlChars, pattern: avatarPathPattern }), Type.Null()]);

export const ErrorResponse = Type.Object({
  error: Type.Object({
    code: Type.Union(Object.keys(ErrorCodes).map((c) => Type.Literal(c))),
    message: Type.String(),
    retryAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
  }),
});

/**
 * How the refresh token travels. `json` (default): in the response body, for SDKs and
 * scripts. `cookie`: the web app; the response omits it and the server sets the HttpOnly
 * cookie `chatchat_refresh` (Path=/api/v1/auth, SameSite=Strict), read back by refresh and logout.
 */
export const TokenTransport = Type.Union([Type.Literal('json'), Type.Literal('cookie')]);
export type TokenTransport = Static<typeof TokenTransport>;
export const refreshCookieName = 'chatchat_refresh';

export const SignupBody = Type.Object(
  {
    username: Username,
    password: Password,
    displayName: DisplayName,
    transport: Type.Optional(TokenTransport),
  },
  { additionalProperties: false },
);
export type SignupBody = Static<typeof SignupBody>;
export const LoginBody = Type.Object(
  {
    username: ClientText({ minLength: 1, maxLength: 64 }),
    password: ClientText({ minLength: 1, maxLength: Limits.maxPasswordChars }),
    transport: Type.Optional(TokenTransport),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;
/** `refreshToken` is absent with `transport: "cookie"`. */
export const AuthResponse = Type.Object({ user: User, accessToken: Type.String(), refreshToken: Type.Optional(Type.String()) });
export type AuthResponse = Static<typeof AuthResponse>;
/** Without `refreshToken` (no body or `{}`) the `chatchat_refresh` cookie is used and rotated. */
export const RefreshBody = Type.Object(
  { refreshToken: Type.Optional(ClientText({ minLength: 1, maxLength: 512 })) },
  { additionalProperties: false },
);
export type RefreshBody = Static<typeof RefreshBody>;
/** `refreshToken` is absent when the refresh came from the cookie (the new one is in Set-Cookie). */
export const TokensResponse = Type.Object({ accessToken: Type.String(), refreshToken: Type.Optional(Type.String()) });
export type TokensResponse = Static<typeof TokensResponse>;
/** Names the session by refresh token (body or cookie) or by the bearer access token. */
export const LogoutBody = RefreshBody;
export const ChangePasswordBody = Type.Object(
  {
    currentPassword: ClientText({ minLength: 1, maxLength: Limits.maxPasswordChars }),
    newPassword: Password,
  },
  { additionalProperties: false },
);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

export const MeResponse = Type.Object({ user: User });
export const UpdateMeBody = Type.Object(
  {
    displayName: Type.Optional(DisplayName),
    avatarUrl: Type.Optional(AvatarUrl),
    statusMessage: Type.Optional(Type.Union([ClientText({ maxLength: Limits.maxStatusMessageChars }), Type.Null()])),
    /** A completed upload with `purpose: "avatar"`; sets `avatarUrl` to its attachment path. */
    avatarUploadId: Type.Optional(Id),
  },
  { additionalProperties: false },
);
export type UpdateMeBody = Static<typeof UpdateMeBody>;
export const UsersResponse = Type.Object({ users: Type.Array(User) });
export const UserSearchQuery = Type.Object(
  {
    query: ClientText({ minLength: 1, maxLength: Limits.maxUserSearchChars }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: Limits.maxUserSearchPage })),
    /** `nextCursor` of the previous page. */
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
);
export type UserSearchQuery = Static<typeof UserSearchQuery>;
export const UserSearchResponse = Type.Object({
  users: Type.Array(User),
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});
export type UserSearchResponse = Static<typeof UserSearchResponse>;

const MemberIds = Type.Array(Id, { maxItems: Limits.maxMembersPerCall });
export const CreateRoomBody = Type.Object(
  {
    name: ClientText({ minLength: 1, maxLength: Limits.maxRoomNameChars }),
    memberIds: MemberIds,
  },
  { additionalProperties: false },
);
export type CreateRoomBody = Static<typeof CreateRoomBody>;
export const DirectRoomBody = Type.Object({ userId: Id }, { additionalProperties: false });
export const UpdateRoomBody = Type.Object(
  {
    name: Type.Optional(ClientText({ minLength: 1, maxLength: Limits.maxRoomNameChars })),
    avatarUrl: Type.Optional(AvatarUrl),
    /** Empty or null clears it. */
    description: Type.Optional(Type.Union([RoomDescription, Type.Null()])),
  },
  { additionalProperties: false },
);
export type UpdateRoomBody = Static<typeof UpdateRoomBody>;
export const RoomResponse = Type.Object({ room: Room });
export const RoomsResponse = Type.Object({
  rooms: Type.Array(Room),
  totalUnread: Type.Integer({ minimum: 0 }),
  /** Sum of the rooms' `mentionCount`. */
  totalMentions: Type.Integer({ minimum: 0 }),
});
export const AddMembersBody = Type.Object(
  { userIds: Type.Array(Id, { minItems: 1, maxItems: Limits.maxMembersPerCall }) },
  { additionalProperties: false },
);
export const UpdateMemberBody = Type.Object(
  {
    role: Type.Union([Type.Literal('admin'), Type.Literal('member'), Type.Literal('owner')]),
  },
  { additionalProperties: false },
);
export const MembersResponse = Type.Object({
  members: Type.Array(Member),
  users: Type.Array(User),
  presence: Type.Array(Presence),
});

export const HistoryQuery = Type.Object({
  beforeSeq: Type.Optional(Seq),
  afterSeq: Type.Optional(Seq),
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
export const RoomSettingsBody = Type.Object(
  {
    notify: NotifyLevel,
    muteUntil: Type.Optional(Type.Union([ClientTimestamp, Type.Null()])),
  },
  { additionalProperties: false },
);
export type RoomSettingsBody = Static<typeof RoomSettingsBody>;
export const RoomSettingsResponse = Type.Object({ roomId: Id, notify: NotifyLevel, muteUntil: Type.Union([Timestamp, Type.Null()]) });

export const NoticeBody = Type.Object(
  { body: ClientText({ minLength: 1, maxLength: Limits.maxNoticeChars }) },
  { additionalProperties: false },
);
export const NoticeResponse = Type.Object({ notice: Notice });
export const AnnouncementResponse = Type.Object({ announcement: Announcement });
export const AnnouncementsResponse = Type.Object({ announcements: Type.Array(Announcement) });

export const UploadPurpose = Type.Union([Type.Literal('message'), Type.Literal('avatar')]);
export type UploadPurpose = Static<typeof UploadPurpose>;
export const CreateUploadBody = Type.Object(
  {
    purpose: UploadPurpose,
    /** Required for `message`: the room the file will be sent to. */
    roomId: Type.Optional(Id),
    name: Type.String({ minLength: 1, maxLength: Limits.maxFileNameChars * 4 }),
    contentType: Type.String({ minLength: 3, maxLength: Limits.maxContentTypeChars }),
    /** Exact byte count; the stored file must match it. */
    size: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type CreateUploadBody = Static<typeof CreateUploadBody>;

export const Upload = Type.Object({
  id: Id,
  purpose: UploadPurpose,
  roomId: Type.Union([Id, Type.Null()]),
  name: Type.String(),
  contentType: Type.String(),
  size: Type.Integer({ minimum: 1 }),
  /** pending: waiting for bytes or complete; complete: checked, attachable; attached: on a message (or the avatar). */
  state: Type.Union([Type.Literal('pending'), Type.Literal('complete'), Type.Literal('attached')]),
  createdAt: Timestamp,
  /** Once complete. */
  attachment: Type.Union([Attachment, Type.Null()]),
});
export type Upload = Static<typeof Upload>;

/** How to send the bytes: to the api (local blob store) or straight to S3 (presigned POST). */
export const UploadTransfer = Type.Union([
  Type.Object({
    kind: Type.Literal('put'),
    method: Type.Literal('PUT'),
    /** Same-origin path; send `Authorization: Bearer` and the raw bytes as the body. */
    url: Type.String(),
    headers: Type.Record(Type.String(), Type.String()),
  }),
  Type.Object({
    kind: Type.Literal('post-form'),
    method: Type.Literal('POST'),
    /** Absolute URL of the bucket; send a multipart form: every field in order, then `file` last. */
    url: Type.String(),
    fields: Type.Record(Type.String(), Type.String()),
    expiresAt: Timestamp,
  }),
]);
export type UploadTransfer = Static<typeof UploadTransfer>;
export const CreateUploadResponse = Type.Object({ upload: Upload, transfer: UploadTransfer });
export type CreateUploadResponse = Static<typeof CreateUploadResponse>;
export const UploadResponse = Type.Object({ upload: Upload });
export const UploadStatusResponse = Type.Object({
  upload: Upload,
  /** A fresh transfer while pending (the way to retry), null after. */
  transfer: Type.Union([UploadTransfer, Type.Null()]),
});
export const UploadUsageResponse = Type.Object({
  /** Bytes of the user's uploads that are kept (pending ones count at their declared size). */
  usedBytes: Type.Integer({ minimum: 0 }),
  quotaBytes: Type.Integer({ minimum: 0 }),
  maxUploadBytes: Type.Integer({ minimum: 1 }),
  allowedTypes: Type.Array(Type.String()),
});
export type UploadUsageResponse = Static<typeof UploadUsageResponse>;
export const AttachmentQuery = Type.Object({
  variant: Type.Optional(AttachmentVariant),
  /** Signed links only (from `/link`): expiry (unix seconds), user and signature. */
  exp: Type.Optional(Type.Integer({ minimum: 0 })),
  u: Type.Optional(Id),
  sig: Type.Optional(Type.String({ maxLength: 128 })),
});
export type AttachmentQuery = Static<typeof AttachmentQuery>;
export const AttachmentLinkResponse = Type.Object({
  /** Same-origin path with a signed expiry: usable without a token (`<img src>`), until `expiresAt`. */
  url: Type.String(),
  expiresAt: Timestamp,
});
