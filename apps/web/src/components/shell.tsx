import { useEffect, useState } from 'react';
import { totalUnread } from '@chatchat/client';
import { useChat, useSession } from '../chat-context';
import { useValue } from '../external-store';
import { useT } from '../i18n/i18n';
import { navigate, routeStore } from '../router';
import { ConnectionBanner } from './connection-banner';
import { RoomList } from './room-list';
import { ChatView } from './chat-view';
import { Participants } from './participants';
import { Profile } from './profile';
import { NewRoom } from './new-room';
import { LiveRegion } from './live-region';

/** `(3) Room · ChatChat` and a favicon with a dot while anything is unread. */
function useTitleAndFavicon(roomName: string | undefined) {
  const unread = useChat(totalUnread);
  useEffect(() => {
    document.title = `${unread > 0 ? `(${unread}) ` : ''}${roomName ? `${roomName} · ` : ''}ChatChat`;
  }, [unread, roomName]);
  useEffect(() => {
    const link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
    if (link) link.href = unread > 0 ? '/favicon-unread.svg' : '/favicon.svg';
  }, [unread]);
}

export function Shell() {
  const t = useT();
  const { stores } = useSession();
  const route = useValue(routeStore);
  const roomId = route.name === 'room' ? route.roomId : null;
  const room = useChat((s) => (roomId ? s.rooms[roomId] : undefined));
  const [showPeople, setShowPeople] = useState(() => matchMedia('(min-width: 1100px)').matches);
  useTitleAndFavicon(room?.name);

  // A room that left my list (kicked, left on another device) closes.
  useEffect(() => {
    if (roomId && !room && stores.connection.get().state === 'connected') navigate({ name: 'home' }, true);
  }, [roomId, room, stores]);

  const side =
    route.name === 'profile' ? (
      <Profile />
    ) : route.name === 'new-group' || route.name === 'new-direct' ? (
      <NewRoom kind={route.name === 'new-group' ? 'group' : 'direct'} />
    ) : null;
  const pane = route.name === 'home' ? 'list' : route.name === 'room' ? 'chat' : 'side';

  return (
    <div className={`shell pane-${pane}${showPeople && room ? ' with-people' : ''}`}>
      <ConnectionBanner />
      <div className="columns">
        <nav className="rooms-pane" aria-label={t('rooms.label')}>
          <RoomList activeRoomId={roomId} />
        </nav>
        <main className="chat-pane" aria-label={room ? room.name : t('shell.main')}>
          {side ??
            (room ? (
              <ChatView key={room.id} room={room} showPeople={showPeople} onTogglePeople={() => setShowPeople((v) => !v)} />
            ) : (
              <div className="empty-chat">
                <h1>ChatChat</h1>
                <p>{t('chat.pickRoom')}</p>
              </div>
            ))}
        </main>
        {room && showPeople && !side && (
          <aside className="people-pane" aria-label={t('people.label')}>
            <Participants room={room} onClose={() => setShowPeople(false)} />
          </aside>
        )}
      </div>
      <LiveRegion />
    </div>
  );
}
