import type { Store } from './ports/store.js';
import type { Bus } from './ports/bus.js';
import type { Presence } from './ports/presence.js';
import type { Clock } from './ports/clock.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { createEventPublisher } from './realtime/event-publisher.js';
import { createAccessTokens } from './features/auth/tokens.js';
import { createAuthService } from './features/auth/auth-service.js';
import { createRoomService } from './features/rooms/room-service.js';
import { createMessageService } from './features/messages/message-service.js';
import { createReadService } from './features/receipts/read-service.js';
import { createPresenceService } from './features/presence/presence-service.js';
import { createProfileService } from './features/profiles/profile-service.js';
import { createNoticeService } from './features/notices/notice-service.js';
import { createSnapshotService } from './features/sync/snapshot-service.js';
import type { Metrics } from './observability/metrics.js';
import { createMentionResolver } from './features/mentions/mention-resolver.js';
import { createReactionService } from './features/reactions/reaction-service.js';
import { createPinService } from './features/pins/pin-service.js';
import { createSearchService } from './features/search/search-service.js';
import { createRoomSettingsService } from './features/rooms/room-settings-service.js';
import { Limits } from '@chatchat/protocol';

export interface ServicesOptions {
  config: Config;
  store: Store;
  bus: Bus;
  presence: Presence;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
}

export type Services = ReturnType<typeof createServices>;

/** The feature services, wired to the ports. Transports (HTTP routes, WS ops) call only these. */
export function createServices({ config, store, bus, presence, clock, log, metrics }: ServicesOptions) {
  const events = createEventPublisher({ bus });
  const accessTokens = createAccessTokens({ secret: config.jwtSecret, ttlSec: config.accessTokenTtlSec });
  const auth = createAuthService({ store, clock, accessTokens, refreshTokenTtlSec: config.refreshTokenTtlSec });
  const rooms = createRoomService({ store, clock, events });
  const pins = createPinService({ store, clock, events });
  const messages = createMessageService({
    store, clock, events, rooms, mentions: createMentionResolver({ store }),
    onDeleted: (message, byUserId) => pins.messageDeleted(message, byUserId),
    onCommitted: (ms) => metrics.sendCommitSeconds.observe(ms / 1000),
  });
  const reactions = createReactionService({
    store, clock, events, rooms, coalesceMs: Limits.reactionCoalesceMs,
    onPublishError: (err) => log.error({ err }, 'reaction.updated publish failed'),
  });
  const search = createSearchService({ store, rooms });
  const roomSettings = createRoomSettingsService({ store, clock, events });
  const reads = createReadService({
    store, events, coalesceMs: config.readCoalesceMs,
    onPublishError: (err) => log.error({ err }, 'room.read publish failed'),
  });
  const presenceService = createPresenceService({ presence, store, clock, events });
  const profiles = createProfileService({ store, events });
  const notices = createNoticeService({ store, clock, events });
  const snapshots = createSnapshotService({ store, clock, rooms, presence: presenceService, notices });
  return {
    auth, rooms, messages, reads, presence: presenceService, profiles, notices, snapshots, reactions, pins, search, roomSettings,
    /** Typing is ephemeral: nothing is stored, the room's other members see it once. */
    typing: (roomId: string, userId: string) =>
      events.toRoomExcept(roomId, userId, 'typing', { roomId, userId, at: clock.nowIso() }),
    close() {
      reads.close();
      reactions.close();
    },
  };
}
