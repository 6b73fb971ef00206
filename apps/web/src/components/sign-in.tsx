import { useId, useState, type FormEvent } from 'react';
import { Limits } from '@chatchat/protocol';
import { signIn, signUp, type SignedIn } from '../auth';
import { errorMessageId } from '../errors';
import { useT } from '../i18n/i18n';
import type { MessageId } from '../i18n/en';
import { LocaleSwitch } from './locale-switch';

const usernamePattern = /^[a-zA-Z0-9_.-]+$/;

/** Problems the form can tell before asking the server; the server remains the judge. */
function check(mode: 'in' | 'up', username: string, password: string, displayName: string): { field: string; id: MessageId } | null {
  if (mode === 'up') {
    if (username.length < 3 || username.length > Limits.maxUsernameChars || !usernamePattern.test(username)) {
      return { field: 'username', id: 'signin.usernameRule' };
    }
    if (password.length < Limits.minPasswordChars) return { field: 'password', id: 'signin.passwordShort' };
    if (displayName.length > Limits.maxDisplayNameChars) return { field: 'displayName', id: 'signin.displayNameLong' };
  } else if (!username || !password) {
    return { field: username ? 'password' : 'username', id: 'signin.required' };
  }
  return null;
}

export function SignIn({ onSignedIn }: { onSignedIn: (r: SignedIn) => void }) {
  const t = useT();
  const ids = useId();
  const [mode, setMode] = useState<'in' | 'up'>('in');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [error, setError] = useState<{ field: string; id: MessageId; values?: Record<string, number> } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const problem = check(mode, username, password, displayName);
    if (problem) {
      setError({
        ...problem,
        values: {
          min: Limits.minPasswordChars,
          max: problem.field === 'displayName' ? Limits.maxDisplayNameChars : Limits.maxUsernameChars,
        },
      });
      document.getElementById(`${ids}-${problem.field}`)?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const result =
        mode === 'in' ? await signIn({ username, password }) : await signUp({ username, password, displayName: displayName || username });
      onSignedIn(result);
    } catch (err) {
      const id = errorMessageId(err);
      setError({
        field: 'form',
        id: mode === 'up' && id === 'error.conflict' ? 'signin.taken' : mode === 'in' && id === 'error.unauthorized' ? 'signin.wrong' : id,
      });
      setBusy(false);
    }
  }

  const errorId = `${ids}-error`;
  const describedBy = (field: string) => (error && (error.field === field || error.field === 'form') ? errorId : undefined);
  const title = t(mode === 'in' ? 'signin.title' : 'signin.signupTitle');
  document.title = `${title} · ChatChat`;

  return (
    <main className="signin">
      <div className="signin-card">
        <div className="signin-top">
          <h1 className="brand">ChatChat</h1>
          <LocaleSwitch />
        </div>
        <h2>{title}</h2>
        <form onSubmit={submit} noValidate>
          <label htmlFor={`${ids}-username`}>{t('signin.username')}</label>
          <input
            id={`${ids}-username`}
            name="username"
            autoComplete="username"
            value={username}
            required
            aria-invalid={error?.field === 'username' || undefined}
            aria-describedby={describedBy('username')}
            onChange={(e) => setUsername(e.target.value)}
          />
          {mode === 'up' && (
            <>
              <label htmlFor={`${ids}-displayName`}>{t('signin.displayName')}</label>
              <input
                id={`${ids}-displayName`}
                name="displayName"
                autoComplete="nickname"
                value={displayName}
                aria-invalid={error?.field === 'displayName' || undefined}
                aria-describedby={describedBy('displayName')}
                onChange={(e) => setDisplayName(e.target.value)}
              />
            </>
          )}
          <label htmlFor={`${ids}-password`}>{t('signin.password')}</label>
          <input
            id={`${ids}-password`}
            name="password"
            type="password"
            value={password}
            required
            autoComplete={mode === 'in' ? 'current-password' : 'new-password'}
            aria-invalid={error?.field === 'password' || undefined}
            aria-describedby={describedBy('password')}
            onChange={(e) => setPassword(e.target.value)}
          />
          {error && (
            <p id={errorId} className="form-error" role="alert">
              {t(error.id, error.values)}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {t(mode === 'in' ? 'signin.submit' : 'signin.signupSubmit')}
          </button>
        </form>
        <button
          type="button"
          className="link"
          onClick={() => {
            setMode(mode === 'in' ? 'up' : 'in');
            setError(null);
          }}
        >
          {t(mode === 'in' ? 'signin.toSignup' : 'signin.toSignin')}
        </button>
      </div>
    </main>
  );
}
