import { ChatClientError, isRetryable } from './chat-client-error.js';
import type { ChatState } from './chat-state.js';
import type { RetryDecision } from './retry.js';
import type { Transport } from './transport.js';

/** What the client's parts (gap filler, outbox, read sync, typing) share: one state, one transport. */
export interface ClientContext {
  readonly transport: Transport;
  /** Client clock in ms. */
  readonly now: () => number;
  readonly closed: boolean;
  readonly state: ChatState;
  setState(next: ChatState): void;
  /** `retry` with the client's backoff options and timers (closing the client cancels the waits). */
  retry<T>(task: () => Promise<T>, decide: (err: unknown) => RetryDecision): Promise<T>;
  /** Resolves after `ms` on the client's timers (closing the client cancels the wait). */
  sleep(ms: number): Promise<void>;
}

/** Failures (other than disconnects) after which a send, read or gap fill gives up. */
export const maxAttempts = 5;

/**
 * For work that outlives a connection (sends, reads): a disconnect is waited out by the
 * task itself (it starts with `whenConnected`), other transient failures back off.
 */
export function retryAcrossReconnects(err: unknown): RetryDecision {
  if (!isRetryable(err)) return 'fail';
  return (err as ChatClientError).code === 'disconnected' ? 'again' : 'backoff';
}

/**
 * For a reconnect's resync (gap fills, read pointers, reaction counts): rate limits and
 * timeouts are waited out; a disconnect ends it, because the next connection resyncs again.
 */
export function retryWhileConnected(err: unknown): RetryDecision {
  return isRetryable(err) && (err as ChatClientError).code !== 'disconnected' ? 'backoff' : 'fail';
}

/** Normalises anything thrown into the SDK's error type. */
export function asClientError(err: unknown): ChatClientError {
  return err instanceof ChatClientError ? err : new ChatClientError('internal', String(err));
}
