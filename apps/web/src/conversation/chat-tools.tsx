import type { Room } from '@chatchat/protocol';
import { useT } from '../i18n/i18n';
import { MessageSearch } from './message-search';
import { RoomSettings } from './room-settings';
import { useSilenced } from './room-markers';
import './conversation.css';

export type ChatPanel = 'search' | 'settings' | null;

/** Header buttons for message search and my notification settings of the room. */
export function ChatTools({ room, panel, setPanel }: { room: Room; panel: ChatPanel; setPanel: (p: ChatPanel) => void }) {
  const t = useT();
  const silenced = useSilenced(room);
  return (
    <>
      <button
        type="button"
        className="chat-tool"
        aria-pressed={panel === 'search'}
        onClick={() => setPanel(panel === 'search' ? null : 'search')}
      >
        <span aria-hidden="true">🔍</span> <span className="tool-label">{t('msgsearch.open')}</span>
      </button>
      <button
        type="button"
        className="chat-tool"
        aria-pressed={panel === 'settings'}
        onClick={() => setPanel(panel === 'settings' ? null : 'settings')}
      >
        <span aria-hidden="true">{silenced ? '🔕' : '🔔'}</span> <span className="tool-label">{t('settings.open')}</span>
      </button>
    </>
  );
}

export function ChatPanels({ room, panel, onClose }: { room: Room; panel: ChatPanel; onClose: () => void }) {
  if (panel === 'search') return <MessageSearch room={room} onClose={onClose} />;
  if (panel === 'settings') return <RoomSettings room={room} onClose={onClose} />;
  return null;
}
