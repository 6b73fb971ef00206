import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Limits, type User } from '@chatchat/protocol';
import { useClient } from '../chat-context';
import { errorMessageId } from '../errors';
import { useT } from '../i18n/i18n';
import { navigate } from '../router';
import { UserSearch } from './user-search';

/** Create a group (name + people from the directory) or open a direct chat with one person. */
export function NewRoom({ kind }: { kind: 'group' | 'direct' }) {
  const t = useT();
  const client = useClient();
  const nameId = useId();
  const [name, setName] = useState('');
  const [picked, setPicked] = useState<User[]>([]);
  const [error, setError] = useState<string | null>(null);
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), [kind]);

  /** The room arrives live (room.added); open it once the list has it. */
  function open(roomId: string) {
    const go = () => navigate({ name: 'room', roomId }, true);
    if (client.room(roomId)) return go();
    const off = client.on('change', (s) => {
      if (s.rooms[roomId]) {
        off();
        go();
      }
    });
  }

  async function createGroup(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) return setError(t('newRoom.nameRequired'));
    if (name.length > Limits.maxRoomNameChars) return setError(t('newRoom.nameLong', { max: Limits.maxRoomNameChars }));
    try {
      const { room } = await client.api.createRoom({ name, memberIds: picked.map((u) => u.id) });
      open(room.id);
    } catch (err) {
      setError(t(errorMessageId(err)));
    }
  }

  return (
    <section className="side-page" aria-labelledby="new-room-title">
      <header className="side-header">
        <button type="button" className="back" onClick={() => history.back()} aria-label={t('common.back')}>
          ‹
        </button>
        <h1 id="new-room-title" ref={headingRef} tabIndex={-1}>
          {t(kind === 'group' ? 'newRoom.groupTitle' : 'newRoom.directTitle')}
        </h1>
      </header>
      {kind === 'group' ? (
        <form onSubmit={createGroup} className="stack" noValidate>
          <label htmlFor={nameId}>{t('newRoom.name')}</label>
          <input
            id={nameId}
            value={name}
            onChange={(e) => setName(e.target.value)}
            aria-invalid={Boolean(error) || undefined}
            aria-describedby={error ? `${nameId}-err` : undefined}
          />
          <p className="muted">{t('newRoom.picked', { count: picked.length })}</p>
          <ul className="chips" aria-label={t('newRoom.pickedLabel')}>
            {picked.map((u) => (
              <li key={u.id}>
                {u.displayName}{' '}
                <button
                  type="button"
                  className="small"
                  aria-label={t('newRoom.unpick', { name: u.displayName })}
                  onClick={() => setPicked((p) => p.filter((x) => x.id !== u.id))}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
          <UserSearch actionLabel={t('newRoom.add')} exclude={picked.map((u) => u.id)} onPick={(u) => setPicked((p) => [...p, u])} />
          {error && (
            <p id={`${nameId}-err`} className="form-error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="primary">
            {t('newRoom.create')}
          </button>
        </form>
      ) : (
        <div className="stack">
          <UserSearch
            actionLabel={t('newRoom.chat')}
            onPick={(u) => {
              client.api.directRoom(u.id).then(
                ({ room }) => open(room.id),
                (err: unknown) => setError(t(errorMessageId(err))),
              );
            }}
          />
          {error && (
            <p className="form-error" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
    </section>
  );
}
