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
  async function announce(userId: string, online: boolean, lastSeenAt: string | null) {
    const roomIds = await store.listRoomIdsForUser(userId);
    await events.toPeers(userId, roomIds, 'presence.updated', { userId, online, lastSeenAt });
  }

  return {
    async connected(userId: string, connectionId: string): Promise<void> {
      if (await presence.connect(userId, connectionId)) await announce(userId, true, null);
    },

    async disconnected(userId: string, connectionId: string): Promise<void> {
      const now = clock.nowIso();
      if (await presence.disconnect(userId, connectionId, now)) await announce(userId, false, now);
    },

    /** Keeps this process's entries alive and takes offline the users of processes that died. */
    async tick(): Promise<void> {
      await presence.heartbeat();
      const now = clock.nowIso();
      for (const userId of await presence.reapExpired(now)) await announce(userId, false, now);
    },

    async lookup(userIds: readonly string[]): Promise<PresenceEntry[]> {
      const found = await presence.lookup(userIds);
      return userIds.map((userId) => ({ userId, online: found.get(userId)?.online ?? false, lastSeenAt: found.get(userId)?.lastSeenAt ?? null }));
    },
  };
}
