import { useEffect, useState } from 'react';
import type { Message, ReactionCount } from '@chatchat/protocol';
import { useChat, useClient } from '../chat-context';
import { useT } from '../i18n/i18n';

/** A fixed set of common emoji: enough for a quick reaction, no picker library in the bundle. */
export const quickEmoji = ['👍', '❤️', '😂', '😮', '😢', '🙏', '🎉', '✅'] as const;

const none: readonly ReactionCount[] = [];

export function toggleReaction(client: ReturnType<typeof useClient>, messageId: string, emoji: string, on: boolean): Promise<unknown> {
  return on ? client.react(messageId, emoji) : client.unreact(messageId, emoji);
}

/** Emoji buttons of the action menu; picking one adds (or, when already mine, removes) my reaction. */
export function EmojiPicker({ message, onDone }: { message: Message; onDone: (error?: boolean) => void }) {
  const t = useT();
  const client = useClient();
  const mine = useChat((s) => s.reactions[message.roomId]?.[message.id] ?? none);
  return (
    <div className="emoji-picker" role="group" aria-label={t('reactions.pick')} data-testid="emoji-picker">
      {quickEmoji.map((emoji, i) => {
        const on = mine.some((r) => r.emoji === emoji && r.me);
        return (
          <button
            key={emoji}
            type="button"
            className="emoji small"
            autoFocus={i === 0}
            aria-pressed={on}
            aria-label={t('reactions.with', { emoji })}
            onClick={() =>
              toggleReaction(client, message.id, emoji, !on).then(
                () => onDone(),
                () => onDone(true),
              )
            }
          >
            {emoji}
          </button>
        );
      })}
    </div>
  );
}

/** Chips under a message: count per emoji, mine pressed; who reacted is fetched on hover or focus. */
export function ReactionChips({ message }: { message: Message }) {
  const t = useT();
  const client = useClient();
  const reactions = useChat((s) => s.reactions[message.roomId]?.[message.id] ?? none);
  const users = useChat((s) => s.users);
  const [who, setWho] = useState<Record<string, readonly string[]> | null>(null);
  const [error, setError] = useState(false);
  // Long press (a touch's context menu) shows the names, where there is no hover title.
  const [shownFor, setShownFor] = useState<string | null>(null);

  // The names shown were true for the counts they came with.
  useEffect(() => setWho(null), [reactions]);

  if (reactions.length === 0 || message.deletedAt) return null;
  const loadWho = () => {
    if (who) return;
    client.whoReacted(message.id).then(
      (list) =>
        setWho(Object.fromEntries(list.map((r) => [r.emoji, r.userIds.map((id) => users[id]?.displayName ?? t('chat.unknownUser'))]))),
      () => {},
    );
  };
  return (
    <ul className="reactions" aria-label={t('reactions.label')} data-testid="reactions">
      {reactions.map((r) => {
        const names = who?.[r.emoji];
        return (
          <li key={r.emoji}>
            <button
              type="button"
              className={`reaction-chip${r.me ? ' mine' : ''}`}
              aria-pressed={r.me}
              aria-label={t('reactions.chip', { emoji: r.emoji, count: r.count })}
              title={names ? t('reactions.who', { names: names.join(', ') }) : undefined}
              data-emoji={r.emoji}
              onMouseEnter={loadWho}
              onFocus={loadWho}
              onTouchStart={loadWho}
              onContextMenu={(e) => {
                e.preventDefault();
                loadWho();
                setShownFor(r.emoji);
              }}
              onBlur={() => setShownFor(null)}
              onClick={() => {
                setError(false);
                toggleReaction(client, message.id, r.emoji, !r.me).catch(() => setError(true));
              }}
            >
              <span aria-hidden="true">{r.emoji}</span> <span className="reaction-count">{r.count}</span>
            </button>
          </li>
        );
      })}
      {shownFor && who?.[shownFor] && (
        <li className="who-reacted" role="status" data-testid="who-reacted">
          {shownFor} {t('reactions.who', { names: who[shownFor]!.join(', ') })}
        </li>
      )}
      {error && (
        <li className="form-error" role="alert">
          {t('error.generic')}
        </li>
      )}
    </ul>
  );
}
