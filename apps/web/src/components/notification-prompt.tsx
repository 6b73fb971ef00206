import { useState } from 'react';
import { useValue } from '../external-store';
import { useT } from '../i18n/i18n';
import { askPermission, permissionStore } from '../notifications';

const deniedSeenKey = 'chatchat.notifications.deniedSeen';

/** Offers notifications behind a button; a refusal is explained once and never asked again. */
export function NotificationPrompt() {
  const t = useT();
  const permission = useValue(permissionStore);
  const [deniedSeen, setDeniedSeen] = useState(() => localStorage.getItem(deniedSeenKey) === '1');
  if (permission === 'default') {
    return (
      <div className="notify-prompt">
        <button type="button" className="small" onClick={() => void askPermission()}>
          {t('notify.enable')}
        </button>
      </div>
    );
  }
  if (permission === 'denied' && !deniedSeen) {
    return (
      <div className="notify-prompt" role="note" data-testid="notify-denied">
        <p>{t('notify.denied')}</p>
        <button
          type="button"
          className="small"
          onClick={() => {
            localStorage.setItem(deniedSeenKey, '1');
            setDeniedSeen(true);
          }}
        >
          {t('common.gotIt')}
        </button>
      </div>
    );
  }
  return null;
}
