import { useEffect, useId, useState } from 'react';
import type { User, UserSearchResponse } from '@chatchat/protocol';
import { useClient, useMe } from '../chat-context';
import { useT } from '../i18n/i18n';
import { Avatar } from './avatar';

/** Directory look-up by username or display-name prefix; `exclude` hides people already chosen or present. */
export function UserSearch({
  onPick,
  exclude = [],
  actionLabel,
}: {
  onPick: (u: User) => void;
  exclude?: readonly string[];
  actionLabel: string;
}) {
  const t = useT();
  const client = useClient();
  const me = useMe();
  const id = useId();
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<User[]>([]);
  const [searched, setSearched] = useState(false);

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setResults([]);
      setSearched(false);
      return;
    }
    let cancelled = false;
    const timer = setTimeout(() => {
      client.api.request<UserSearchResponse>('GET', '/users', undefined, { query: { query: q, limit: 20 } }).then(
        (r) => {
          if (cancelled) return;
          setResults(r.users);
          setSearched(true);
        },
        () => !cancelled && setResults([]),
      );
    }, 150);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [client, query]);

  const shown = results.filter((u) => u.id !== me.id && !exclude.includes(u.id));
  return (
    <div className="user-search">
      <label htmlFor={id}>{t('search.label')}</label>
      <input
        id={id}
        type="search"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        placeholder={t('search.placeholder')}
        autoComplete="off"
      />
      <ul className="user-results" aria-label={t('search.results')} data-testid="user-results">
        {shown.map((u) => (
          <li key={u.id}>
            <Avatar name={u.displayName} seed={u.id} userId={u.id} size={28} />
            <span className="user-names">
              <span>{u.displayName}</span> <span className="muted">@{u.username}</span>
            </span>
            <button type="button" className="small" onClick={() => onPick(u)} aria-label={`${actionLabel}: ${u.displayName}`}>
              {actionLabel}
            </button>
          </li>
        ))}
      </ul>
      {searched && shown.length === 0 && <p className="muted">{t('search.none')}</p>}
    </div>
  );
}
