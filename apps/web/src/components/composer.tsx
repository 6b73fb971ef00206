import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { ChatClientError, randomId, type SendOptions } from '@chatchat/client';
import { Limits, type Room } from '@chatchat/protocol';
import { useClient, useSession } from '../chat-context';
import { useValue } from '../external-store';
import { replyTarget } from '../conversation/conversation-stores';
import { useMentionSuggest } from '../conversation/mention-suggest';
import { ReplyDraft } from '../conversation/reply-quote';

import { useT } from '../i18n/i18n';
import { AttachButton } from './attach-button';
import { UploadTray } from './upload-tray';
import { useUploads } from './use-uploads';

/** Sends a message; failures the SDK gave up on land in the failed list with Retry and Discard. */
export function sendMessage(session: ReturnType<typeof useSession>, roomId: string, body: string, options?: SendOptions): void {
  session.client.send(roomId, body, options).catch((err: unknown) => {
    if (err instanceof ChatClientError && err.code === 'closed') return;
    const error = err instanceof ChatClientError ? err.code : 'internal';
    session.stores.failed.set((list) => [...list, { id: randomId(), roomId, body, error, ...(options ? { options } : {}) }]);
  });
}

/**
 * One composer per room (keyed by room): its text is that room's draft, saved as it is
 * typed, so a switch or a reload never loses it and a send always goes to this room.
 */
export function Composer({ room }: { room: Room }) {
  const t = useT();
  const client = useClient();
  const session = useSession();
  const { drafts } = session.stores;
  const [text, setText] = useState(() => drafts.get()[room.id] ?? '');
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLTextAreaElement>(null);
  const meId = session.client.getState().me?.id ?? '';
  const reply = useValue(replyTarget);
  const replying = reply?.roomId === room.id ? reply.message : null;
  const mention = useMentionSuggest(room, meId, ref, (value) => {
    setText(value);
    drafts.put(room.id, value);
  });
  const uploads = useUploads(client, room.id);
  const [dragging, setDragging] = useState(false);

  // On room switch focus goes to the composer.
  useEffect(() => {
    ref.current?.focus({ preventScroll: true });
  }, [room.id]);

  function send() {
    const body = text;
    const files = uploads.files;
    // Files still uploading (or failed) hold the send; they go with the text in one message.
    if (files.some((f) => f.status !== 'done')) return;
    if (!body.trim() && files.length === 0) return;
    if (body.length > Limits.maxMessageChars) {
      setError(t('composer.tooLong', { max: Limits.maxMessageChars, count: body.length }));
      return;
    }
    setError(null);
    setText('');
    drafts.put(room.id, '');
    sendMessage(session, room.id, files.length > 0 && !body.trim() ? '' : body, {
      ...(replying ? { replyTo: replying.id } : {}),
      ...(files.length > 0 ? { attachments: files.map((f) => f.uploadId!) } : {}),
    });
    uploads.clear();
    if (replying) replyTarget.set(null);
    mention.update('', 0);
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    if (mention.onKeyDown(e)) return;
    if (e.key === 'Escape' && replying) {
      e.stopPropagation();
      replyTarget.set(null);
      return;
    }
    // Enter while an IME is composing (Korean!) finishes the syllable; it must not send.
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      send();
    }
  }

  const over = text.length > Limits.maxMessageChars;
  const filesBlocked = uploads.files.some((f) => f.status !== 'done');
  const canSend = uploads.files.length > 0 ? !filesBlocked : Boolean(text.trim());
  return (
    <form
      className={`composer with-attach${dragging ? ' dragging' : ''}`}
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
      onDragOver={(e) => {
        if (!e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={(e) => {
        if (!e.dataTransfer.files.length) return;
        e.preventDefault();
        setDragging(false);
        uploads.add(Array.from(e.dataTransfer.files));
      }}
    >
      {replying && <ReplyDraft roomId={room.id} message={replying} meId={meId} />}
      {mention.popup}
      <UploadTray uploads={uploads} />
      <AttachButton onFiles={uploads.add} />
      <label htmlFor="composer" className="visually-hidden">
        {t('composer.label', { room: room.name })}
      </label>
      <textarea
        id="composer"
        ref={ref}
        rows={1}
        value={text}
        placeholder={t('composer.placeholder')}
        aria-invalid={over || undefined}
        aria-describedby={error ? 'composer-error' : undefined}
        {...mention.inputProps}
        onChange={(e) => {
          setText(e.target.value);
          drafts.put(room.id, e.target.value);
          if (e.target.value) client.typing(room.id);
          mention.update(e.target.value, e.target.selectionStart);
          if (error && e.target.value.length <= Limits.maxMessageChars) setError(null);
        }}
        onKeyDown={onKeyDown}
        onSelect={(e) => mention.update(e.currentTarget.value, e.currentTarget.selectionStart)}
        onPaste={(e) => {
          const files = Array.from(e.clipboardData.files);
          if (files.length === 0) return;
          e.preventDefault();
          uploads.add(files);
        }}
      />
      <button type="submit" className="primary send" disabled={!canSend}>
        {t('composer.send')}
      </button>
      {error && (
        <p id="composer-error" className="form-error composer-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
