import type { Announcement, Notice } from '@chatchat/protocol';
import type { Store } from '../../ports/store.js';
import type { Clock } from '../../ports/clock.js';
import type { EventPublisher } from '../../realtime/event-publisher.js';
import { forbidden, invalid, notFound } from '../../errors.js';
import { can } from '../rooms/permissions.js';
import { requireMembership } from '../rooms/require-membership.js';
import { invalidatedMemo } from '../../realtime/invalidated-memo.js';

/** How many announcements a hello snapshot and the announcements route show. */
const RECENT_ANNOUNCEMENTS = 20;

export interface NoticeServiceOptions {
  store: Store;
  clock: Clock;
  events: EventPublisher;
}

export type NoticeService = ReturnType<typeof createNoticeService>;

/** Room notices (one active per room) and platform-wide announcements. */
export function createNoticeService({ store, clock, events }: NoticeServiceOptions) {
  // Every hello shows them and they change rarely: kept per process, dropped when this process
  // posts one or sees one on the bus (`announcementsChanged`).
  const snapshotAnnouncements = invalidatedMemo(() => store.listAnnouncements(RECENT_ANNOUNCEMENTS));

  async function requireNoticeManager(roomId: string, userId: string) {
    const { member, room } = await requireMembership(store, roomId, userId);
    // In a direct room both people run the room.
    if (room.kind !== 'direct' && !can(member.role, 'manageNotices')) {
      throw forbidden(`your role (${member.role}) may not manage notices in this room`);
    }
  }

  return {
    async post(userId: string, roomId: string, body: string): Promise<Notice> {
      if (!body.trim()) throw invalid('notice body is empty');
      await requireNoticeManager(roomId, userId);
      const notice = await store.createNotice({ roomId, authorId: userId, body, now: clock.nowIso() });
      await events.toRoom(roomId, 'notice.created', { notice });
      return notice;
    },

    async remove(userId: string, roomId: string, noticeId: string): Promise<void> {
      await requireNoticeManager(roomId, userId);
      const notice = await store.getNotice(noticeId);
      if (!notice || notice.roomId !== roomId || !notice.active) throw notFound('notice');
      if (await store.deactivateNotice(noticeId)) await events.toRoom(roomId, 'notice.removed', { roomId, noticeId });
    },

    async announce(userId: string, body: string): Promise<Announcement> {
      const user = await store.getUser(userId);
      if (!user?.isPlatformAdmin) throw forbidden('only platform admins post announcements');
      if (!body.trim()) throw invalid('announcement body is empty');
      const announcement = await store.createAnnouncement({ authorId: userId, body, now: clock.nowIso() });
      snapshotAnnouncements.invalidate();
      await events.toEveryone('announcement.created', { announcement });
      return announcement;
    },

    /** Read from the store: what a request after an acknowledged post must see, on any process. */
    recentAnnouncements: () => store.listAnnouncements(RECENT_ANNOUNCEMENTS),

    /**
     * The cached list, for hello snapshots only: a connection is routed to everyone-events before
     * its snapshot is read, so an announcement this process has not heard of yet reaches it as
     * the event after the reply.
     */
    snapshotAnnouncements: () => snapshotAnnouncements.get(),

    /** Something went out to everyone, or the bus lost messages: the cache may be stale. */
    announcementsChanged: () => snapshotAnnouncements.invalidate(),
  };
}
