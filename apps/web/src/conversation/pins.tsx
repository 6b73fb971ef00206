import { useState } from 'react';
import { canInRoom, type Room } from '@chatchat/protocol';
import { useChat, useClient } from '../chat-context';
import { useT } from '../i18n/i18n';
import { requestJump } from './conversation-stores';

/**
 * The newest pin under the room header, live; it opens the list of every pin, each jumping to
 * its message, with Unpin for those the permission matrix allows.
 */
export function PinnedBar({ room }: { room: Room }) {
  const t = useT();
  const client = useClient();
  const users = useChat((s) => s.users);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState(false);
  const canPin = canInRoom(room.kind, room.role, 'pin');
  const latest = room.pins[0];
  if (!latest) return null;
  const text = (body: string) => body.replace(/\s+/g, ' ');
  return (
    <section className="pinned" aria-label={t('pins.label')} data-testid="pinned-bar">
      <div className="pinned-top">
        <span aria-hidden="true">📍</span>
        <button type="button" className="link pinned-latest" onClick={() => requestJump(room.id, latest.messageId, latest.seq)}>
          {text(latest.message.body)}
        </button>
        <button type="button" className="small" aria-expanded={open} aria-controls="pins-list" onClick={() => setOpen((v) => !v)}>
          {t('pins.all', { count: room.pins.length })}
        </button>
      </div>
      {open && (
        <ul className="pins-list" id="pins-list" data-testid="pins-list">
          {room.pins.map((p) => (
            <li key={p.messageId}>
              <button
                type="button"
                className="link"
                onClick={() => {
                  requestJump(room.id, p.messageId, p.seq);
                  setOpen(false);
                }}
              >
                <span className="pin-who">{users[p.message.senderId]?.displayName ?? t('chat.unknownUser')}</span> {text(p.message.body)}
              </button>
              {canPin && (
                <button
                  type="button"
                  className="small"
                  aria-label={t('pins.unpinOne', { text: text(p.message.body).slice(0, 40) })}
                  onClick={() => {
                    setError(false);
                    client.unpin(p.messageId).catch(() => setError(true));
                  }}
                >
                  {t('pins.unpin')}
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="form-error" role="alert">
          {t('error.generic')}
        </p>
      )}
    </section>
  );
}
