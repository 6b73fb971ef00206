import { useEffect, useState } from 'react';
import { useClient, useSession } from '../chat-context';
import { useValue } from '../external-store';
import { useT } from '../i18n/i18n';

/** Offline / reconnecting, with the seconds until the next try and a way to try now. */
export function ConnectionBanner() {
  const t = useT();
  const client = useClient();
  const { stores } = useSession();
  const conn = useValue(stores.connection);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (conn.state !== 'waiting') return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [conn]);
  if (conn.state === 'connected') return null;
  const seconds = conn.state === 'waiting' ? Math.max(0, Math.ceil((conn.retryAt - now) / 1000)) : 0;
  const offline = !navigator.onLine;
  return (
    <div className="connection-banner" role="status" data-testid="connection-banner">
      <span>
        {offline ? t('conn.offline') : t('conn.lost')}{' '}
        {conn.state === 'waiting' && seconds > 0 ? t('conn.retryIn', { seconds }) : t('conn.connecting')}
      </span>
      <button type="button" onClick={() => client.reconnect()}>
        {t('conn.retryNow')}
      </button>
    </div>
  );
}
