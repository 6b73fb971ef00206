import { useEffect, useRef, useState } from 'react';
import { canInRoom, type Room } from '@chatchat/protocol';
import { useChat, useClient, useSession } from '../chat-context';
import { useValue } from '../external-store';
import { errorMessageId } from '../errors';
import { useLocale, useT, withParticle } from '../i18n/i18n';
import { navigate } from '../router';
import { Avatar } from './avatar';
import { Composer } from './composer';
import { ImageViewerHost } from './image-viewer';
import { MessageList } from './message-list';
import { ChatPanels, ChatTools, type ChatPanel } from '../conversation/chat-tools';
import { PinnedBar } from '../conversation/pins';

function TypingIndicator({ room }: { room: Room }) {
  const t = useT();
  const locale = useLocale();
  const typing = useChat((s) => s.typing[room.id]);
  const users = useChat((s) => s.users);
  const client = useClient();
  const ids = typing ? client.typingUsers(room.id) : [];
  const names = ids.map((id) => users[id]?.displayName ?? '?');
  let text = '';
  if (names.length === 1) text = t('typing.one', { name: withParticle(locale, names[0]!, '이/가') });
  else if (names.length === 2) text = t('typing.two', { a: names[0]!, b: withParticle(locale, names[1]!, '이/가') });
  else if (names.length > 2) text = t('typing.many', { count: names.length });
  return (
    <div className="typing" data-testid="typing" aria-live="off">
      {text}
    </div>
  );
}

function NoticeBanner({ room }: { room: Room }) {
  const t = useT();
  const client = useClient();
  const { stores } = useSession();
  const alert = useValue(stores.noticeAlert);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const allowed = canInRoom(room.kind, room.role, 'manageNotices');
  const fresh = alert && alert.roomId === room.id && room.notice?.id === alert.noticeId;

  return (
    <>
      {fresh && (
        <div className="notice-alert" role="alert" data-testid="notice-alert">
          <span>{t('notice.new')}</span>
          <button type="button" className="small" onClick={() => stores.noticeAlert.set(null)}>
            {t('common.dismiss')}
          </button>
        </div>
      )}
      {room.notice && (
        <section className="notice-banner" aria-label={t('notice.label')} data-testid="notice-banner">
          <span className="notice-icon" aria-hidden="true">
            📌
          </span>
          <p className="notice-body">{room.notice.body}</p>
          {allowed && (
            <button type="button" className="small" onClick={() => void client.api.removeNotice(room.id, room.notice!.id).catch(() => {})}>
              {t('notice.remove')}
            </button>
          )}
        </section>
      )}
      {allowed &&
        (editing ? (
          <form
            className="notice-form"
            onSubmit={(e) => {
              e.preventDefault();
              if (!draft.trim()) return;
              client.api.postNotice(room.id, draft).then(
                () => {
                  setEditing(false);
                  setDraft('');
                  setError(null);
                },
                (err: unknown) => setError(t(errorMessageId(err))),
              );
            }}
          >
            <label htmlFor="notice-input" className="visually-hidden">
              {t('notice.label')}
            </label>
            <input id="notice-input" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder={t('notice.placeholder')} />
            <button type="submit" className="small primary">
              {t('notice.post')}
            </button>
            <button type="button" className="small" onClick={() => setEditing(false)}>
              {t('common.cancel')}
            </button>
            {error && (
              <p className="form-error" role="alert">
                {error}
              </p>
            )}
          </form>
        ) : null)}
      {allowed && !editing && (
        <div className="notice-tools">
          <button type="button" className="link small" onClick={() => setEditing(true)}>
            {t('notice.postNew')}
          </button>
        </div>
      )}
    </>
  );
}

export function ChatView({ room, showPeople, onTogglePeople }: { room: Room; showPeople: boolean; onTogglePeople: () => void }) {
  const t = useT();
  const client = useClient();
  const headingRef = useRef<HTMLHeadingElement>(null);
  const peerOnline = useChat((s) => (room.peerId ? s.presence[room.peerId]?.online : undefined));
  const peer = useChat((s) => (room.peerId ? s.users[room.peerId] : undefined));
  const [panel, setPanel] = useState<ChatPanel>(null);

  useEffect(() => {
    if (!client.readers(room.id)) client.loadReaders(room.id).catch(() => {});
  }, [client, room.id]);

  return (
    <section className="chat" aria-labelledby="chat-title">
      <header className="chat-header">
        <button type="button" className="back" onClick={() => navigate({ name: 'home' })} aria-label={t('common.back')}>
          ‹
        </button>
        <Avatar name={room.name} seed={room.id} userId={room.kind === 'direct' ? room.peerId : null} />
        <div className="chat-title-block">
          <h1 id="chat-title" ref={headingRef} tabIndex={-1}>
            {room.name}
          </h1>
          <p className="chat-subtitle">
            {room.kind === 'direct'
              ? `${peerOnline ? t('presence.online') : t('presence.offline')}${peer?.statusMessage ? ` · ${peer.statusMessage}` : ''}`
              : t('rooms.members', { count: room.memberCount })}
          </p>
        </div>
        <ChatTools room={room} panel={panel} setPanel={setPanel} />
        <button type="button" className="people-toggle" aria-pressed={showPeople} onClick={onTogglePeople}>
          {t('people.label')}
        </button>
      </header>
      <NoticeBanner room={room} />
      <PinnedBar room={room} />
      <ChatPanels room={room} panel={panel} onClose={() => setPanel(null)} />
      <MessageList room={room} />
      <TypingIndicator room={room} />
      <Composer room={room} />
      <ImageViewerHost />
    </section>
  );
}
