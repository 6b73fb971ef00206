import type { Message, ReplyQuote as Quote } from '@chatchat/protocol';
import { useChat } from '../chat-context';
import { useT } from '../i18n/i18n';
import { replyTarget, requestJump } from './conversation-stores';

const snippetChars = 120;

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > snippetChars ? `${flat.slice(0, snippetChars)}…` : flat;
}

/**
 * The quote above a reply: who and what it answers. While the original is loaded its current
 * text is shown (edits follow live); otherwise the excerpt the server kept, marked edited.
 */
export function ReplyQuoteView({ roomId, quote, meId }: { roomId: string; quote: Quote; meId: string }) {
  const t = useT();
  const sender = useChat((s) => s.users[quote.senderId]);
  const original = useChat((s) => s.windows[roomId]?.messages.find((m) => m.id === quote.messageId));
  const deleted = quote.deleted || Boolean(original?.deletedAt);
  const text = deleted ? t('reply.deleted') : snippet(original ? original.body : quote.excerpt);
  const edited = !deleted && (original ? original.editedAt !== null : quote.edited);
  const who = quote.senderId === meId ? t('chat.you') : (sender?.displayName ?? t('chat.unknownUser'));
  return (
    <button
      type="button"
      className={`reply-quote${deleted ? ' deleted' : ''}`}
      data-testid="reply-quote"
      onClick={() => requestJump(roomId, quote.messageId, quote.seq)}
    >
      <span className="reply-who">{who}</span>
      <span className="reply-text">
        {text}
        {edited && <span className="edited"> {t('chat.edited')}</span>}
      </span>
      <span className="visually-hidden"> ({t('reply.goTo')})</span>
    </button>
  );
}

/** Above the composer while answering a message: what is quoted, and a way out. */
export function ReplyDraft({ roomId, message, meId }: { roomId: string; message: Message; meId: string }) {
  const t = useT();
  const sender = useChat((s) => s.users[message.senderId]);
  const current = useChat((s) => s.windows[roomId]?.messages.find((m) => m.id === message.id)) ?? message;
  const who = message.senderId === meId ? t('chat.you') : (sender?.displayName ?? t('chat.unknownUser'));
  return (
    <div className="reply-draft" data-testid="reply-draft" role="group" aria-label={t('reply.replyingTo', { name: who })}>
      <span className="reply-draft-text">
        <span className="reply-who">{t('reply.replyingTo', { name: who })}</span>
        <span className="reply-text">{current.deletedAt ? t('reply.deleted') : snippet(current.body)}</span>
      </span>
      <button type="button" className="small" onClick={() => replyTarget.set(null)} aria-label={t('reply.cancel')}>
        ✕
      </button>
    </div>
  );
}
