import { useState } from 'react';
import { useChat } from '../chat-context';
import { formatWhen, useLocale, useT } from '../i18n/i18n';

const dismissedKey = 'chatchat.announcement.dismissed';

/** The newest platform announcement until dismissed (remembered per announcement). */
export function Announcements() {
  const t = useT();
  const locale = useLocale();
  const latest = useChat((s) => s.announcements[0]);
  const [dismissed, setDismissed] = useState(() => localStorage.getItem(dismissedKey));
  if (!latest || latest.id === dismissed) return null;
  return (
    <section className="announcement" aria-label={t('announce.label')} data-testid="announcement">
      <p>
        <strong>{t('announce.label')}</strong> <time dateTime={latest.createdAt}>{formatWhen(locale, latest.createdAt)}</time>
      </p>
      <p className="announcement-body">{latest.body}</p>
      <button
        type="button"
        className="small"
        onClick={() => {
          localStorage.setItem(dismissedKey, latest.id);
          setDismissed(latest.id);
        }}
      >
        {t('common.dismiss')}
      </button>
    </section>
  );
}
