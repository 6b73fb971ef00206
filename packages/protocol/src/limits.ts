/** Limits every side agrees on; the server enforces them, clients may pre-check. */
export const Limits = {
  /** Largest WebSocket frame the server accepts, in bytes. Larger closes with 1009. */
  maxFrameBytes: 64 * 1024,
  /** Message body, in characters (UTF-16 code units), after trimming nothing. */
  maxMessageChars: 4000,
  maxUsernameChars: 32,
  minPasswordChars: 8,
  maxPasswordChars: 256,
  maxDisplayNameChars: 64,
  maxStatusMessageChars: 140,
  maxAvatarUrlChars: 2048,
  maxRoomNameChars: 100,
  maxNoticeChars: 2000,
  maxClientMsgIdChars: 64,
  /** Members added in one create or invite call. */
  maxMembersPerCall: 500,
  /** User directory search page size upper bound (`GET /api/v1/users`); default 20. */
  maxUserSearchPage: 50,
  /** User directory search query, in characters. */
  maxUserSearchChars: 64,
  /** History page size upper bound. */
  maxHistoryPage: 200,
  /** Rooms with at most this many members carry all read pointers in the hello snapshot. */
  snapshotReadersPerRoom: 100,
  /** Clients must not send `typing` more often than this, in ms; the server drops extras. */
  typingIntervalMs: 2000,
  /** Clients forget a typing indicator this long after the last `typing` event, in ms. */
  typingExpiryMs: 5000,
  /** Reads of one room are gathered this long (ms) before one `room.read` event goes out. */
  readCoalesceMs: 250,
  /** Attachments (upload ids) on one message. */
  maxAttachmentsPerMessage: 10,
  /** File names, in characters, after Unicode NFC normalisation. */
  maxFileNameChars: 255,
  maxContentTypeChars: 100,
} as const;
