import { useEffect, useState } from 'react';
import { isMuted } from '@chatchat/client';
import type { Room } from '@chatchat/protocol';
import { useT } from '../i18n/i18n';

/** Silenced: muted for now, or set to notify nothing. Re-renders when the mute runs out. */
export function useSilenced(room: Room): boolean {
  const [now, setNow] = useState(() => Date.now());
  const until = room.muteUntil ? Date.parse(room.muteUntil) : 0;
  useEffect(() => {
    if (until <= now) return;
    // Timers past ~24.8 days overflow; a later re-render picks up the rest.
    const id = setTimeout(() => setNow(Date.now()), Math.min(until - now + 50, 2 ** 31 - 1));
    return () => clearTimeout(id);
  }, [until, now]);
  return room.notify === 'none' || isMuted(room, now);
}

/** The room list's `@` (unread mentions of me) and muted markers. */
export function RoomMarkers({ room }: { room: Room }) {
  const t = useT();
  const silenced = useSilenced(room);
  return (
    <>
      {silenced && (
        <span
          className="muted-icon"
          data-testid="muted-icon"
          role="img"
          aria-label={t('settings.mutedMarker')}
          title={t('settings.mutedMarker')}
        >
          🔕
        </span>
      )}
      {room.mentionCount > 0 && (
        <span
          className="marker mention-marker"
          data-testid="mention-marker"
          role="img"
          aria-label={t('mentions.count', { count: room.mentionCount })}
        >
          @
        </span>
      )}
    </>
  );
}
