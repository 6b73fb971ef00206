import { lazy, Suspense, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Limits } from '@chatchat/protocol';
import { useClient, useMe, useSession } from '../chat-context';
import { errorMessageId } from '../errors';
import { useT } from '../i18n/i18n';
import { LocaleSwitch } from './locale-switch';

/** Only the profile page uses it: loaded when the page opens. */
const AvatarUpload = lazy(() => import('./avatar-upload'));

export function Profile() {
  const t = useT();
  const client = useClient();
  const session = useSession();
  const me = useMe();
  const ids = useId();
  const [displayName, setDisplayName] = useState(me.displayName);
  const [statusMessage, setStatusMessage] = useState(me.statusMessage ?? '');
  const [error, setError] = useState<{ field: string; text: string } | null>(null);
  const [saved, setSaved] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), []);

  async function save(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    if (!displayName.trim()) return setError({ field: 'displayName', text: t('profile.nameRequired') });
    if (displayName.length > Limits.maxDisplayNameChars)
      return setError({ field: 'displayName', text: t('profile.nameLong', { max: Limits.maxDisplayNameChars }) });
    if (statusMessage.length > Limits.maxStatusMessageChars)
      return setError({ field: 'status', text: t('profile.statusLong', { max: Limits.maxStatusMessageChars }) });
    setError(null);
    try {
      await client.api.updateMe({ displayName, statusMessage: statusMessage || null });
      setSaved(true);
    } catch (err) {
      setError({ field: 'form', text: t(errorMessageId(err)) });
    }
  }

  return (
    <section className="side-page" aria-labelledby="profile-title">
      <header className="side-header">
        <button type="button" className="back" onClick={() => history.back()} aria-label={t('common.back')}>
          ‹
        </button>
        <h1 id="profile-title" ref={headingRef} tabIndex={-1}>
          {t('profile.title')}
        </h1>
      </header>
      <div className="stack">
        <h2>{t('avatar.title')}</h2>
        <Suspense fallback={null}>
          <AvatarUpload />
        </Suspense>
      </div>
      <form className="stack" onSubmit={save} noValidate>
        <p className="muted">@{me.username}</p>
        <label htmlFor={`${ids}-name`}>{t('profile.displayName')}</label>
        <input
          id={`${ids}-name`}
          value={displayName}
          onChange={(e) => setDisplayName(e.target.value)}
          aria-invalid={error?.field === 'displayName' || undefined}
          aria-describedby={error ? `${ids}-err` : undefined}
        />
        <label htmlFor={`${ids}-status`}>{t('profile.status')}</label>
        <input
          id={`${ids}-status`}
          value={statusMessage}
          onChange={(e) => setStatusMessage(e.target.value)}
          aria-invalid={error?.field === 'status' || undefined}
          aria-describedby={error ? `${ids}-err` : undefined}
        />
        {error && (
          <p id={`${ids}-err`} className="form-error" role="alert">
            {error.text}
          </p>
        )}
        {saved && (
          <p className="muted" role="status">
            {t('profile.saved')}
          </p>
        )}
        <button type="submit" className="primary">
          {t('common.save')}
        </button>
      </form>
      <div className="stack">
        <h2>{t('profile.language')}</h2>
        <LocaleSwitch />
        <h2>{t('profile.session')}</h2>
        <div className="row-buttons">
          <button type="button" onClick={() => void session.signOut(false)}>
            {t('profile.logout')}
          </button>
          <button type="button" className="danger" onClick={() => void session.signOut(true)}>
            {t('profile.logoutAll')}
          </button>
        </div>
      </div>
    </section>
  );
}
