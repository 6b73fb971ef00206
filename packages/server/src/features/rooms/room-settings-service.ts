import { Limits, type NotifyLevel, type OpReply } from '@chatchat/protocol';
import type { Store } from '../../ports/store.js';
import type { Clock } from '../../ports/clock.js';
import type { EventPublisher } from '../../realtime/event-publisher.js';
import { invalid, notFound } from '../../errors.js';

export type RoomSettingsService = ReturnType<typeof createRoomSettingsService>;

/** A member's own notification settings of a room, live to their own devices only. */
export function createRoomSettingsService({ store, clock, events }: { store: Store; clock: Clock; events: EventPublisher }) {
  return {
    async set(
      userId: string,
      roomId: string,
      input: { notify: NotifyLevel; muteUntil?: string | null },
    ): Promise<OpReply<'room.settings'>> {
      let muteUntil: string | null = null;
      if (input.muteUntil) {
        const at = Date.parse(input.muteUntil);
        const now = clock.now().getTime();
        if (Number.isNaN(at)) throw invalid('muteUntil is not a time');
        if (at <= now) throw invalid('muteUntil is in the past');
        if (at > now + Limits.maxMuteMs) throw invalid('muteUntil is more than a year ahead');
        muteUntil = new Date(at).toISOString();
      }
      const saved = await store.setRoomSettings(roomId, userId, { notify: input.notify, muteUntil }).catch((err: unknown) => {
        // Not a member: the room does not exist for them.
        throw (err as { code?: string }).code === 'not_found' ? notFound('room') : err;
      });
      const reply = { roomId, notify: saved.notify, muteUntil: saved.muteUntil };
      await events.toUser(userId, 'room.settings', reply);
      return reply;
    },
  };
}
