import { Limits, type Room } from '@chatchat/protocol';
import type { RoomView, Store } from '../../ports/store.js';

/**
 * Turns store views into the protocol's Room as the viewer sees it. Direct rooms take
 * the other member's display name, fetched for all rooms in one call; the viewer's settings,
 * mention counts and the rooms' pins come with the view or, where it has mentions or pins to
 * load, in one more.
 */
export async function presentRooms(store: Store, views: readonly RoomView[]): Promise<Room[]> {
  const peerIds = [...new Set(views.flatMap((v) => (v.room.kind === 'direct' && v.peerId ? [v.peerId] : [])))];
  const viewerId = views[0]?.member.userId;
  const extrasToLoad = views.filter((v) => !v.extras).map((v) => v.room.id);
  const [peerList, extras] = await Promise.all([
    peerIds.length ? store.getUsers(peerIds) : [],
    viewerId && extrasToLoad.length ? store.roomExtras(viewerId, extrasToLoad, Limits.maxMentionSeqs) : new Map(),
  ]);
  const peers = new Map(peerList.map((u) => [u.id, u]));
  return views.map((v) => {
    const peer = v.peerId ? peers.get(v.peerId) : undefined;
    const extra = v.extras ?? extras.get(v.room.id);
    return {
      id: v.room.id,
      kind: v.room.kind,
      name: v.room.kind === 'direct' ? (peer?.displayName ?? v.room.name) : v.room.name,
      avatarUrl: v.room.kind === 'direct' ? (peer?.avatarUrl ?? null) : v.room.avatarUrl,
      createdAt: v.room.createdAt,
      lastSeq: v.room.lastSeq,
      memberCount: v.memberCount,
      role: v.member.role,
      lastReadSeq: v.member.lastReadSeq,
      unreadCount: Math.max(0, v.room.lastSeq - v.member.lastReadSeq),
      lastMessage: v.lastMessage,
      notice: v.notice,
      peerId: v.peerId,
      description: v.room.description,
      pins: extra?.pins ?? [],
      notify: extra?.notify ?? 'all',
      muteUntil: extra?.muteUntil ?? null,
      mentionCount: extra?.mentionCount ?? 0,
      mentionSeqs: extra?.mentionSeqs ?? [],
    };
  });
}
