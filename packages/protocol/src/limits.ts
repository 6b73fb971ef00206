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
  /** Rooms with at most this many members can carry all read pointers in the hello snapshot. */
  snapshotReadersPerRoom: 100,
  /** Rooms a `hello` may ask read pointers for (`readers`); the others come with `room.members`. */
  helloReaderRooms: 20,
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
  /** A reply's quote carries this many characters of the original, at most. */
  replyExcerptChars: 120,
  /** Distinct users a message may mention by `@username` (more are ignored). */
  maxMentionsPerMessage: 50,
  /** A room view lists this many of the viewer's newest unread mention seqs (the count is exact regardless). */
  maxMentionSeqs: 100,
  /** Distinct emoji on one message; one more is refused with `invalid`. */
  maxReactionsPerMessage: 20,
  /** One emoji grapheme, in UTF-16 code units (family and flag sequences are long). */
  maxEmojiChars: 32,
  /** Reactions on one message are gathered this long (ms) before one `reaction.updated` goes out. */
  reactionCoalesceMs: 100,
  /** Pinned messages per room. */
  maxPinsPerRoom: 50,
  maxRoomDescriptionChars: 500,
  /** Search query length in characters; longer is `invalid`. */
  maxSearchQueryChars: 200,
  maxSearchPage: 50,
  /** Characters of context a search highlight shows around the first match. */
  searchSnippetChars: 160,
  /** `muteUntil` may be at most this far ahead (ms): 365 days. */
  maxMuteMs: 365 * 24 * 3600 * 1000,
  /**
   * The furthest a `retryAfterMs` reaches (ms). A server's slot further out is a bad estimate,
   * and a client honours no more than this from any server.
   */
  maxRetryAfterMs: 60_000,
} as const;
