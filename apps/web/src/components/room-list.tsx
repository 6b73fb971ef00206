import { useId, useMemo, useState } from 'react';
import { roomList } from '@chatchat/client';
import type { Room } from '@chatchat/protocol';
import { useChat, useClient, useMe, useSession } from '../chat-context';
import { useValue } from '../external-store';
import { formatWhen, useLocale, useT } from '../i18n/i18n';
import { navigate } from '../router';
import { Avatar } from './avatar';
import { Announcements } from './announcements';
import { NotificationPrompt } from './notification-prompt';
import { RoomMarkers } from '../conversation/room-markers';

function preview(room: Room, t: ReturnType<typeof useT>): string {
  const m = room.lastMessage;
  if (!m) return t('rooms.noMessages');
  if (m.deletedAt) return t('chat.deleted');
  const files = m.attachments ?? [];
  if (!m.body && files.length) return t('attach.preview', { name: files[0]!.name, more: files.length - 1 });
  return m.body.replace(/\s+/g, ' ');
}

export function RoomList({ activeRoomId }: { activeRoomId: string | null }) {
  const t = useT();
  const locale = useLocale();
  const me = useMe();
  const { stores } = useSession();
  const drafts = useValue(stores.drafts);
  const client = useClient();
  const roomTable = useChat((s) => s.rooms);
  // The SDK's order (newest activity first) re-sorts only when a room changed.
  const rooms = useMemo(() => roomList(client.getState()), [client, roomTable]);
  const [filter, setFilter] = useState('');
  const filterId = useId();
  const shown = useMemo(() => {
    const f = filter.trim().toLocaleLowerCase();
    return f ? rooms.filter((r) => r.name.toLocaleLowerCase().includes(f)) : rooms;
  }, [rooms, filter]);

  return (
    <div className="room-list">
      <header className="rooms-header">
        <button type="button" className="me-button" onClick={() => navigate({ name: 'profile' })}>
          <Avatar name={me.displayName} seed={me.id} userId={me.id} size={32} />
          <span className="me-name">{me.displayName}</span>
          <span className="visually-hidden"> ({t('profile.title')})</span>
        </button>
        <div className="rooms-actions">
          <button type="button" onClick={() => navigate({ name: 'new-direct' })}>
            {t('rooms.newDirect')}
          </button>
          <button type="button" onClick={() => navigate({ name: 'new-group' })}>
            {t('rooms.newGroup')}
          </button>
        </div>
      </header>
      <NotificationPrompt />
      <Announcements />
      <div className="room-filter">
        <label htmlFor={filterId} className="visually-hidden">
          {t('rooms.filter')}
        </label>
        <input id={filterId} type="search" placeholder={t('rooms.filter')} value={filter} onChange={(e) => setFilter(e.target.value)} />
      </div>
      <h2 className="visually-hidden">{t('rooms.label')}</h2>
      {shown.length === 0 ? (
        <p className="rooms-empty">{filter ? t('rooms.noMatch') : t('rooms.empty')}</p>
      ) : (
        <ul className="rooms" data-testid="room-list">
          {shown.map((room) => {
            const draft = room.id !== activeRoomId && drafts[room.id];
            const when = room.lastMessage?.createdAt ?? room.createdAt;
            return (
              <li key={room.id}>
                <a
                  href={`/rooms/${encodeURIComponent(room.id)}`}
                  className="room-item"
                  data-room-id={room.id}
                  aria-current={room.id === activeRoomId ? 'page' : undefined}
                  onClick={(e) => {
                    if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
                    e.preventDefault();
                    navigate({ name: 'room', roomId: room.id });
                  }}
                >
                  <Avatar name={room.name} seed={room.id} userId={room.kind === 'direct' ? room.peerId : null} />
                  <span className="room-main">
                    <span className="room-top">
                      <span className="room-name">{room.name}</span>
                      {room.kind === 'group' && (
                        <span className="room-count" role="img" aria-label={t('rooms.members', { count: room.memberCount })}>
                          {room.memberCount}
                        </span>
                      )}
                      <time className="room-time" dateTime={when}>
                        {formatWhen(locale, when)}
                      </time>
                    </span>
                    <span className="room-bottom">
                      {room.notice && (
                        <span className="marker notice-marker" title={t('rooms.hasNotice')}>
                          {t('rooms.noticeMarker')}
                        </span>
                      )}
                      {draft ? (
                        <span className="room-preview">
                          <span className="marker draft-marker">{t('rooms.draft')}</span> {draft}
                        </span>
                      ) : (
                        <span className="room-preview">{preview(room, t)}</span>
                      )}
                      <RoomMarkers room={room} />
                      {room.unreadCount > 0 && (
                        <span
                          className="badge"
                          data-testid="unread-badge"
                          role="img"
                          aria-label={t('rooms.unread', { count: room.unreadCount })}
                        >
                          {room.unreadCount > 999 ? '999+' : room.unreadCount}
                        </span>
                      )}
                    </span>
                  </span>
                </a>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
