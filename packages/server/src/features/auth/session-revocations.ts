import type { Clock } from '../../ports/clock.js';

export interface SessionRevocationsOptions {
  clock: Clock;
  /** The access-token lifetime: after it, every token of a revoked session has expired anyway. */
  ttlMs: number;
  /** Tells every process (this one included); embedded, the in-process bus. */
  broadcast: (payload: string) => Promise<void>;
}

export type SessionRevocations = ReturnType<typeof createSessionRevocations>;

interface RevokedMessage {
  sessionIds: string[];
}

/**
 * Revoked session ids, kept in memory for one access-token lifetime so that checking a
 * token costs a map lookup, never a query. Every process learns a revocation over the
 * bus at once and warms itself from the store at start.
 */
export function createSessionRevocations({ clock, ttlMs, broadcast }: SessionRevocationsOptions) {
  /** Insertion-ordered, so the oldest entries are pruned from the front. */
  const revokedAt = new Map<string, number>();
  const listeners = new Set<(ids: ReadonlySet<string>) => void>();

  function prune(now: number) {
    for (const [id, at] of revokedAt) {
      if (now - at < ttlMs) break;
      revokedAt.delete(id);
    }
  }

  function record(ids: readonly string[]) {
    const now = clock.now().getTime();
    prune(now);
    const fresh = new Set<string>();
    for (const id of ids) {
      if (!revokedAt.has(id)) fresh.add(id);
      revokedAt.delete(id);
      revokedAt.set(id, now);
    }
    if (fresh.size) for (const listener of listeners) listener(fresh);
  }

  return {
    isRevoked(sessionId: string): boolean {
      const at = revokedAt.get(sessionId);
      return at !== undefined && clock.now().getTime() - at < ttlMs;
    },
    /** Records at once (this process's next request already sees it), then tells the others. */
    async revoke(sessionIds: readonly string[]): Promise<void> {
      if (!sessionIds.length) return;
      record(sessionIds);
      const message: RevokedMessage = { sessionIds: [...sessionIds] };
      await broadcast(JSON.stringify(message));
    },
    /** A revocation another process (or this one) broadcast. */
    receive(payload: string) {
      const message = JSON.parse(payload) as RevokedMessage;
      if (Array.isArray(message.sessionIds)) record(message.sessionIds.filter((id) => typeof id === 'string'));
    },
    /** Ids revoked before this process started, read from the store. */
    warm: (sessionIds: readonly string[]) => record(sessionIds),
    /** Called with newly revoked ids; the gateway closes their sockets. Returns an unsubscribe. */
    onRevoked(listener: (ids: ReadonlySet<string>) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
