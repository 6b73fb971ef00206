import type { Presence as PresenceEntry } from '@chatchat/protocol';
import type { Presence } from '../../ports/presence.js';
import type { Store } from '../../ports/store.js';
import type { Clock } from '../../ports/clock.js';
import type { EventPublisher } from '../../realtime/event-publisher.js';

export interface PresenceServiceOptions {
  presence: Presence;
  store: Store;
  clock: Clock;
  events: EventPublisher;
}

export type PresenceService = ReturnType<typeof createPresenceService>;

/**
 * Publishes only whole-user transitions: a second device connecting, or one of several
 * disconnecting, changes nothing anyone can see.
 */
export function createPresenceService({ presence, store, clock, events }: PresenceServiceOptions) {
  async function announce(userId: string, online: boolean, lastSeenAt: string | null, known?: readonly string[]) {
    const roomIds = known ?? (await store.listRoomIdsForUser(userId));
    await events.toPeers(userId, roomIds, 'presence.updated', { userId, online, lastSeenAt });
  }

  return {
    /** `roomIds`: the user's rooms when the caller has just read them (hello), saving a query. */
    async connected(userId: string, connectionId: string, roomIds?: readonly string[]): Promise<void> {
      if (await presence.connect(userId, connectionId)) await announce(userId, true, null, roomIds);
    },

    async disconnected(userId: string, connectionId: string): Promise<void> {
      const now = clock.nowIso();
      if (await presence.disconnect(userId, connectionId, now)) await announce(userId, false, now);
    },

    /**
     * Keeps this process's entries alive (gateways, every ttl/3). A process that stalled past
     * its lease was reported offline by others; its users it still holds are back online now.
     */
    async heartbeat(): Promise<void> {
      await presence.heartbeat();
      for (const userId of presence.takeRevived?.() ?? []) await announce(userId, true, null);
    },

    /** Takes offline the users of processes whose lease ran out (died); a worker job. */
    async reapExpired(): Promise<void> {
      const now = clock.nowIso();
      for (const userId of await presence.reapExpired(now)) await announce(userId, false, now);
    },

    async lookup(userIds: readonly string[]): Promise<PresenceEntry[]> {
      const found = await presence.lookup(userIds);
      return userIds.map((userId) => {
        const entry = found.get(userId);
        // Same shape as the live event: an online user has no "last seen".
        return { userId, online: entry?.online ?? false, lastSeenAt: entry?.online ? null : (entry?.lastSeenAt ?? null) };
      });
    },
  };
}
