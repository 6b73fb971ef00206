import { useId, useState } from 'react';
import type { NotifyLevel, Room } from '@chatchat/protocol';
import { useClient } from '../chat-context';
import { errorMessageId } from '../errors';
import { useLocale, useT } from '../i18n/i18n';
import { useSilenced } from './room-markers';

const levels: readonly NotifyLevel[] = ['all', 'mentions', 'none'];
const hour = 3_600_000;
/** Mute durations offered, in ms. */
const durations = [hour, 8 * hour, 24 * hour, 7 * 24 * hour] as const;

/** My notification level for the room and a timed mute; the SDK applies them to its `unread` signal. */
export function RoomSettings({ room, onClose }: { room: Room; onClose: () => void }) {
  const t = useT();
  const locale = useLocale();
  const client = useClient();
  const name = useId();
  const [error, setError] = useState<string | null>(null);
  const muted = room.muteUntil !== null && Date.parse(room.muteUntil) > Date.now();
  useSilenced(room);

  const save = (notify: NotifyLevel, muteUntil: string | null) => {
    setError(null);
    client.setRoomSettings(room.id, { notify, muteUntil }).catch((err: unknown) => setError(t(errorMessageId(err))));
  };
  const durationLabel = (ms: number) =>
    ms < 24 * hour ? t('settings.hours', { count: ms / hour }) : t('settings.days', { count: ms / (24 * hour) });

  return (
    <section className="room-settings panel" aria-labelledby="settings-title" data-testid="room-settings">
      <header className="side-header">
        <h2 id="settings-title">{t('settings.title')}</h2>
        <button type="button" className="small" onClick={onClose}>
          {t('common.close')}
        </button>
      </header>
      <fieldset>
        <legend>{t('settings.notify')}</legend>
        {levels.map((level) => (
          <label key={level} className="radio">
            <input type="radio" name={name} value={level} checked={room.notify === level} onChange={() => save(level, room.muteUntil)} />
            {t(`settings.level.${level}`)}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>{t('settings.mute')}</legend>
        {muted ? (
          <p className="muted-until" data-testid="muted-until">
            {t('settings.mutedUntil', {
              time: new Date(room.muteUntil!).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' }),
            })}{' '}
            <button type="button" className="small" onClick={() => save(room.notify, null)}>
              {t('settings.unmute')}
            </button>
          </p>
        ) : (
          <div className="mute-options">
            {durations.map((ms) => (
              <button key={ms} type="button" className="small" onClick={() => save(room.notify, new Date(Date.now() + ms).toISOString())}>
                {t('settings.muteFor', { duration: durationLabel(ms) })}
              </button>
            ))}
          </div>
        )}
        <p className="hint">{t('settings.muteHint')}</p>
      </fieldset>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
