/**
 * Who is online, across processes. A user is online while at least one of their
 * connections, on any process, is registered and not expired.
 */
export interface Presence {
  /** Returns true if this made the user go from offline to online. */
  connect(userId: string, connectionId: string): Promise<boolean>;
  /** Returns true if this made the user go offline (their last connection left). */
  disconnect(userId: string, connectionId: string, now: string): Promise<boolean>;
  /** Keeps this process's entries alive; adapters with TTLs need it, others ignore it. */
  heartbeat(): Promise<void>;
  /**
   * Users brought back online by heartbeat(): this process's lease had run out (it
   * stalled, or lost Redis, for longer than the lease), its users may have been
   * reported offline meanwhile, and heartbeat() registered its connections again.
   * Each user is returned once; the caller announces them online. Adapters without
   * leases may omit it.
   */
  takeRevived?(): string[];
  /** Users whose connections expired since the last call (another process died). */
  reapExpired(now: string): Promise<string[]>;
  /** Online flag and last-seen time (null if never seen) for each id asked. */
  lookup(userIds: readonly string[]): Promise<Map<string, { online: boolean; lastSeenAt: string | null }>>;
  close(): Promise<void>;
}
