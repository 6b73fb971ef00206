import { useId, useRef, useState, type ReactNode } from 'react';
import type { OpReply, Room } from '@chatchat/protocol';
import { useChat, useClient } from '../chat-context';
import { errorMessageId } from '../errors';
import { formatWhen, useLocale, useT } from '../i18n/i18n';
import { navigate } from '../router';
import { requestJump } from './conversation-stores';

type Result = OpReply<'message.search'>['results'][number];

/** The server's highlight as text with `<mark>`ed matches (ranges are UTF-16 offsets). */
function highlighted({ text, ranges }: Result['highlight']): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  for (const r of [...ranges].sort((a, b) => a.start - b.start)) {
    if (r.start < last) continue;
    if (r.start > last) out.push(text.slice(last, r.start));
    out.push(<mark key={r.start}>{text.slice(r.start, r.end)}</mark>);
    last = r.end;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** Message search in this room or in all my rooms; a result opens its room at the message. */
export function MessageSearch({ room, onClose }: { room: Room; onClose: () => void }) {
  const t = useT();
  const locale = useLocale();
  const client = useClient();
  const rooms = useChat((s) => s.rooms);
  const users = useChat((s) => s.users);
  const inputId = useId();
  const [query, setQuery] = useState('');
  const [everywhere, setEverywhere] = useState(false);
  const [state, setState] = useState<
    | { kind: 'idle' }
    | { kind: 'empty' }
    | { kind: 'busy' }
    | { kind: 'error'; message: string }
    | { kind: 'done'; results: Result[]; next: string | null; query: string }
  >({ kind: 'idle' });
  const seq = useRef(0);

  const run = (before?: string) => {
    const q = query.trim();
    if (!q) {
      setState({ kind: 'empty' });
      return;
    }
    const mine = ++seq.current;
    const prev = before && state.kind === 'done' ? state.results : [];
    if (!before) setState({ kind: 'busy' });
    client.search(q, { ...(everywhere ? {} : { roomId: room.id }), ...(before ? { before } : {}) }).then(
      (reply) => {
        if (mine === seq.current) setState({ kind: 'done', results: [...prev, ...reply.results], next: reply.nextBefore, query: q });
      },
      (err: unknown) => {
        if (mine === seq.current) setState({ kind: 'error', message: t(errorMessageId(err)) });
      },
    );
  };

  const open = (r: Result) => {
    if (r.message.roomId !== room.id) navigate({ name: 'room', roomId: r.message.roomId });
    requestJump(r.message.roomId, r.message.id, r.message.seq);
  };

  return (
    <section className="message-search panel" aria-labelledby="search-title" data-testid="message-search">
      <header className="side-header">
        <h2 id="search-title">{t('msgsearch.title')}</h2>
        <button type="button" className="small" onClick={onClose}>
          {t('common.close')}
        </button>
      </header>
      <form
        role="search"
        className="search-form"
        onSubmit={(e) => {
          e.preventDefault();
          run();
        }}
      >
        <label htmlFor={inputId} className="visually-hidden">
          {t('msgsearch.label')}
        </label>
        <input
          id={inputId}
          type="search"
          autoFocus
          value={query}
          placeholder={t('msgsearch.placeholder')}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.stopPropagation();
              onClose();
            }
          }}
        />
        <button type="submit" className="small primary">
          {t('msgsearch.submit')}
        </button>
        <label className="checkbox">
          <input type="checkbox" checked={everywhere} onChange={(e) => setEverywhere(e.target.checked)} />
          {t('msgsearch.everywhere')}
        </label>
      </form>
      <div role="status" className="search-status" data-testid="search-status">
        {state.kind === 'empty' && t('msgsearch.emptyQuery')}
        {state.kind === 'busy' && t('msgsearch.searching')}
        {state.kind === 'done' &&
          (state.results.length === 0 ? t('msgsearch.none') : t('msgsearch.count', { count: state.results.length }))}
      </div>
      {state.kind === 'error' && (
        <p className="form-error" role="alert">
          {state.message}
        </p>
      )}
      {state.kind === 'done' && state.results.length > 0 && (
        <ul className="search-results" aria-label={t('msgsearch.results')} data-testid="search-results">
          {state.results.map((r) => (
            <li key={r.message.id}>
              <button type="button" className="search-result" onClick={() => open(r)}>
                <span className="result-meta">
                  {everywhere && <span className="result-room">{rooms[r.message.roomId]?.name ?? ''}</span>}
                  <span className="result-who">{users[r.message.senderId]?.displayName ?? t('chat.unknownUser')}</span>
                  <time dateTime={r.message.createdAt}>{formatWhen(locale, r.message.createdAt)}</time>
                </span>
                <span className="result-text">{highlighted(r.highlight)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {state.kind === 'done' && state.next && (
        <button type="button" className="small" onClick={() => run(state.next!)}>
          {t('msgsearch.more')}
        </button>
      )}
    </section>
  );
}
