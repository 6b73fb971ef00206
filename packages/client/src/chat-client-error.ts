import type { ErrorCode } from '@chatchat/protocol';

/**
 * Codes the SDK adds to the server catalogue for failures that never reached a reply:
 * - `disconnected`: the socket was not open, or closed before the reply came;
 * - `timeout`: no reply within the request timeout (the server may still have acted);
 * - `closed`: the client was closed by its owner;
 * - `network`: fetch failed before any HTTP response.
 */
export type ClientErrorCode = ErrorCode | 'disconnected' | 'timeout' | 'closed' | 'network';

export class ChatClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    /** HTTP status when the error came from the HTTP API. */
    readonly status?: number,
    /** With some `rate_limited` errors: the server's word on when a retry can succeed. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ChatClientError';
  }
}

/** The error body's `retryAfterMs`, if it is one (a server's body is not trusted to be well formed). */
export function retryAfterOf(error: { retryAfterMs?: unknown } | undefined): number | undefined {
  const ms = error?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/**
 * Failures after which repeating the same request may succeed. `message.send` retries are
 * safe because the server stores a clientMsgId once.
 */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof ChatClientError)) return false;
  return (
    err.code === 'disconnected' ||
    err.code === 'timeout' ||
    err.code === 'unavailable' ||
    err.code === 'internal' ||
    err.code === 'rate_limited' ||
    err.code === 'network'
  );
}
