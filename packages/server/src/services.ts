import type { Store } from './ports/store.js';
import type { Bus } from './ports/bus.js';
import type { Presence } from './ports/presence.js';
import type { Clock } from './ports/clock.js';
import type { Config } from './config.js';
import type { Logger } from './logger.js';
import { createEventPublisher } from './realtime/event-publisher.js';
import { createAccessTokens } from './features/auth/tokens.js';
import { createAuthService } from './features/auth/auth-service.js';
import { createPasswordHasher } from './features/auth/password-hasher.js';
import { createLoginThrottle } from './features/auth/login-throttle.js';
import { createSessionRevocations } from './features/auth/session-revocations.js';
import { Channels } from './realtime/channels.js';
import { createRoomService } from './features/rooms/room-service.js';
import { createMessageService } from './features/messages/message-service.js';
import { createReadService } from './features/receipts/read-service.js';
import { createPresenceService } from './features/presence/presence-service.js';
import { createProfileService } from './features/profiles/profile-service.js';
import { createNoticeService } from './features/notices/notice-service.js';
import { createSnapshotService } from './features/sync/snapshot-service.js';
import type { Metrics } from './observability/metrics.js';
import type { BlobStore } from './ports/blob-store.js';
import { createAttachmentService } from './features/attachments/attachment-service.js';
import { createLocalBlobStore } from './adapters/blobs/local-blob-store.js';
import path from 'node:path';
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
  /** Default: the local directory of the config (callers that never touch files need not pass one). */
  blobs?: BlobStore;
}

export type Services = ReturnType<typeof createServices>;

/** The feature services, wired to the ports. Transports (HTTP routes, WS ops) call only these. */
export function createServices({ config, store, bus, presence, clock, log, metrics, blobs }: ServicesOptions) {
  const events = createEventPublisher({ bus });
  const accessTokens = createAccessTokens({ secret: config.jwtSecret, ttlSec: config.accessTokenTtlSec, clock });
  const revocations = createSessionRevocations({
    clock,
    ttlMs: config.accessTokenTtlSec * 1000,
    broadcast: (payload) => bus.publish(Channels.sessions, payload),
  });
  const auth = createAuthService({
    store,
    clock,
    accessTokens,
    revocations,
    passwords: createPasswordHasher({ concurrency: config.passwordHashConcurrency, maxQueued: config.passwordHashQueue }),
    throttle: createLoginThrottle({ clock, ...config.loginThrottle }),
    accessTokenTtlSec: config.accessTokenTtlSec,
    refreshTokenTtlSec: config.refreshTokenTtlSec,
    sessionTtlSec: config.sessionTtlSec,
  });
  const rooms = createRoomService({ store, clock, events, limits: config.rooms });
  const attachments = createAttachmentService({
    config: config.uploads,
    store,
    clock,
    events,
    log,
    secret: config.jwtSecret,
    blobs: blobs ?? createLocalBlobStore({ dir: config.blobs.kind === 'local' ? config.blobs.dir : path.join(config.dataDir, 'blobs') }),
  });
  const pins = createPinService({ store, clock, events });
  const messages = createMessageService({
    store,
    clock,
    events,
    rooms,
    attachments,
    mentions: createMentionResolver({ store }),
    onDeleted: (message, byUserId) => pins.messageDeleted(message, byUserId),
    onCommitted: (ms) => metrics.sendCommitSeconds.observe(ms / 1000),
  });
  const reactions = createReactionService({
    store,
    clock,
    events,
    rooms,
    coalesceMs: Limits.reactionCoalesceMs,
    onPublishError: (err) => log.error({ err }, 'reaction.updated publish failed'),
  });
  const search = createSearchService({ store, rooms });
  const roomSettings = createRoomSettingsService({ store, clock, events });
  const reads = createReadService({
    store,
    events,
    coalesceMs: config.readCoalesceMs,
    readersPerWindow: config.readCoalesceReaders,
    onPublishError: (err) => log.error({ err }, 'room.read publish failed'),
  });
  const presenceService = createPresenceService({ presence, store, clock, events });
  const profiles = createProfileService({ store, events, attachments });
  const notices = createNoticeService({ store, clock, events });
  const snapshots = createSnapshotService({ store, clock, rooms, presence: presenceService, notices });
  return {
    auth,
    revocations,
    rooms,
    messages,
    attachments,
    reads,
    presence: presenceService,
    profiles,
    notices,
    snapshots,
    reactions,
    pins,
    search,
    roomSettings,
    /** Typing is ephemeral: nothing is stored, the room's other members see it once. */
    typing: (roomId: string, userId: string) => events.toRoomExcept(roomId, userId, 'typing', { roomId, userId, at: clock.nowIso() }),
    close() {
      reads.close();
      reactions.close();
    },
  };
}
