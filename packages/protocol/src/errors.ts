/**
 * The one catalogue of error codes. The server maps each code to an HTTP status;
 * over WebSocket the code travels in the error reply as is.
 */
export const ErrorCodes = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  invalid: 400,
  too_large: 413,
  rate_limited: 429,
  /** A standing cap was reached (rooms per user); waiting does not help, leaving a room does. */
  limit_exceeded: 403,
  conflict: 409,
  unavailable: 503,
  internal: 500,
  /** Uploads: the user's stored bytes would pass their quota (`GET /api/v1/uploads/usage`). */
  quota_exceeded: 403,
  /** Uploads: a content type not allowed, or bytes that are not of the declared type. */
  unsupported_type: 415,
  /** Attachments: the variant asked for is still being made; retry after `message.updated`. */
  not_ready: 409,
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /**
   * With some `rate_limited` errors: the ms after which a retry can succeed. A refused `hello`
   * carries the return slot the server keeps for it; clients wait that long, not their backoff.
   */
  retryAfterMs?: number;
}

/**
 * WebSocket close codes. 4xxx are ours; the last three digits echo the HTTP status
 * they resemble so that a log line reads naturally.
 */
export const CloseCodes = {
  /** Normal closure by the client or server. */
  Normal: { code: 1000, reason: 'normal' },
  /** A frame was larger than MAX_FRAME_BYTES (sent by the ws library itself). */
  FrameTooLarge: { code: 1009, reason: 'frame too large' },
  /** The token given in `hello` was not valid (bad signature, expired, unknown user). Get a new one first. */
  Unauthorized: { code: 4401, reason: 'unauthorized' },
  /**
   * The session ended (logout, log out everywhere, password change, refresh-token theft).
   * Refreshing will not help: log in again.
   */
  SessionEnded: { code: 4403, reason: 'session ended' },
  /** `hello` did not arrive within the authentication deadline. */
  AuthTimeout: { code: 4408, reason: 'authentication timeout' },
  /**
   * The socket's send buffer would pass the slow-consumer limit (a reply or event that does
   * not fit is not written); reconnect and resync.
   */
  SlowConsumer: { code: 4429, reason: 'slow consumer' },
  /**
   * A connection cap was reached: too many sockets of this user on this server, or too many
   * not yet authenticated sockets from this address. 4429 was taken; back off before reconnecting.
   */
  TooManyConnections: { code: 4430, reason: 'too many connections' },
  /**
   * The server failed while setting up the connection after a valid `hello` (e.g. the
   * snapshot could not be read). Nothing of the socket stays routed; reconnect with backoff.
   */
  InternalError: { code: 1011, reason: 'internal error' },
  /** The server is draining (deploy, shutdown); reconnect, to another node if there is one. */
  Reconnect: { code: 4503, reason: 'server draining, reconnect' },
  /** The server lost events it cannot replay (bus outage); reconnect and resync. */
  Resync: { code: 4504, reason: 'resync required' },
  /**
   * Missed heartbeats. The server cannot tell a dead peer anything (it drops the socket, the
   * client sees 1006); clients use this code for the close they make when their own pings go unanswered.
   */
  HeartbeatTimeout: { code: 4000, reason: 'heartbeat timeout' },
} as const;

export type CloseCodeName = keyof typeof CloseCodes;
