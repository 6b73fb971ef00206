import { useMemo, useState, type KeyboardEvent, type ReactNode, type RefObject } from 'react';
import { canInRoom, type Room } from '@chatchat/protocol';
import { useChat } from '../chat-context';
import { useT } from '../i18n/i18n';

const maxShown = 8;
/** `@` and the name typed so far, right before the caret, not inside a word (the server's rule). */
const typedMention = /(?:^|[^\p{L}\p{N}_.@-])@([a-zA-Z0-9_.-]*)$/u;

interface Candidate {
  /** What goes after the `@`: the username the server resolves, or `all`. */
  token: string;
  label: string;
}

export interface MentionSuggest {
  /** Call with the new text and caret after every change or caret move. */
  update(value: string, caret: number | null): void;
  /** Handles the list's keys; true when the key was used. */
  onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>): boolean;
  inputProps: { 'aria-autocomplete': 'list'; 'aria-controls'?: string; 'aria-activedescendant'?: string };
  popup: ReactNode;
}

/**
 * Suggests room members while `@name` is typed; picking one writes `@username ` (what the server
 * parses into `mentions`). `@all` is offered only to those the permission matrix lets use it.
 */
export function useMentionSuggest(
  room: Room,
  meId: string,
  ref: RefObject<HTMLTextAreaElement | null>,
  setText: (value: string) => void,
): MentionSuggest {
  const t = useT();
  const readers = useChat((s) => s.readers[room.id]);
  const users = useChat((s) => s.users);
  const [at, setAt] = useState<{ query: string; start: number; end: number } | null>(null);
  const [active, setActive] = useState(0);
  const [closedFor, setClosedFor] = useState<number | null>(null);
  const allowAll = canInRoom(room.kind, room.role, 'mentionAll');

  const candidates = useMemo<Candidate[]>(() => {
    if (!at) return [];
    const q = at.query.toLowerCase();
    const list: Candidate[] = [];
    for (const id of Object.keys(readers ?? {})) {
      const u = users[id];
      if (!u || id === meId) continue;
      if (u.username.toLowerCase().startsWith(q) || u.displayName.toLowerCase().includes(q))
        list.push({ token: u.username, label: u.displayName });
    }
    list.sort((a, b) => a.label.localeCompare(b.label));
    if (allowAll && 'all'.startsWith(q)) list.unshift({ token: 'all', label: t('mentions.all') });
    return list.slice(0, maxShown);
  }, [at, readers, users, meId, allowAll, t]);

  const open = at !== null && closedFor !== at.start && candidates.length > 0;
  const current = Math.min(active, candidates.length - 1);
  const optionId = (i: number) => `mention-option-${i}`;

  function pick(c: Candidate) {
    const el = ref.current;
    if (!el || !at) return;
    const value = el.value;
    const inserted = `@${c.token} `;
    const next = value.slice(0, at.start) + inserted + value.slice(at.end);
    setText(next);
    setAt(null);
    const caret = at.start + inserted.length;
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(caret, caret);
    });
  }

  return {
    update(value, caret) {
      const end = caret ?? value.length;
      const m = typedMention.exec(value.slice(0, end));
      if (!m) {
        setAt(null);
        return;
      }
      const start = end - m[1]!.length - 1;
      setAt((prev) => (prev && prev.start === start && prev.query === m[1] ? prev : { query: m[1]!, start, end }));
      if (!at || at.start !== start) {
        setActive(0);
        setClosedFor(null);
      }
    },
    onKeyDown(e) {
      if (!open || e.nativeEvent.isComposing) return false;
      switch (e.key) {
        case 'ArrowDown':
          setActive((current + 1) % candidates.length);
          break;
        case 'ArrowUp':
          setActive((current - 1 + candidates.length) % candidates.length);
          break;
        case 'Enter':
        case 'Tab':
          pick(candidates[current]!);
          break;
        case 'Escape':
          e.stopPropagation();
          setClosedFor(at.start);
          break;
        default:
          return false;
      }
      e.preventDefault();
      return true;
    },
    inputProps: {
      'aria-autocomplete': 'list',
      ...(open ? { 'aria-controls': 'mention-list', 'aria-activedescendant': optionId(current) } : {}),
    },
    popup: open ? (
      <div className="mention-list" id="mention-list" role="listbox" aria-label={t('mentions.suggestions')} data-testid="mention-list">
        {candidates.map((c, i) => (
          // biome-ignore lint/a11y/useKeyWithClickEvents: the composer keeps focus and handles the keys (aria-activedescendant).
          <div
            key={c.token}
            id={optionId(i)}
            role="option"
            tabIndex={-1}
            aria-selected={i === current}
            className={i === current ? 'active' : undefined}
            // Keeps focus (and the caret) in the composer.
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => pick(c)}
          >
            <span className="mention-name">{c.label}</span> <span className="mention-user">@{c.token}</span>
          </div>
        ))}
      </div>
    ) : null,
  };
}
