import type { Announcement, Notice } from '@chatchat/protocol';
import type { Store } from '../../ports/store.js';
import type { Clock } from '../../ports/clock.js';
import type { EventPublisher } from '../../realtime/event-publisher.js';
import { forbidden, invalid, notFound } from '../../errors.js';
import { can } from '../rooms/permissions.js';
import { requireMembership } from '../rooms/require-membership.js';

export interface NoticeServiceOptions {
  store: Store;
  clock: Clock;
  events: EventPublisher;
}

export type NoticeService = ReturnType<typeof createNoticeService>;

/** Room notices (one active per room) and platform-wide announcements. */
export function createNoticeService({ store, clock, events }: NoticeServiceOptions) {
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
      await events.toEveryone('announcement.created', { announcement });
      return announcement;
    },

    recentAnnouncements: (limit = 20) => store.listAnnouncements(limit),
  };
}
