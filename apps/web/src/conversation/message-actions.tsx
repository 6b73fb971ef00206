import { useState } from 'react';
import { canInRoom, type Message, type Room } from '@chatchat/protocol';
import { useClient } from '../chat-context';
import { useT } from '../i18n/i18n';
import { replyTarget } from './conversation-stores';
import { EmojiPicker } from './reactions';

/** Whether a message takes replies, reactions and pins: a stored, live, non-system one. */
export function conversable(message: Message | null): message is Message {
  return Boolean(message && !message.deletedAt && message.kind !== 'system');
}

/**
 * Reply, React and (where the permission matrix allows it) Pin/Unpin in a message's action
 * menu. `first` puts focus on Reply when no other action comes before it.
 */
export function ConversationActions({
  room,
  message,
  first,
  onClose,
  onError,
}: {
  room: Room;
  message: Message;
  first: boolean;
  onClose: () => void;
  onError: () => void;
}) {
  const t = useT();
  const client = useClient();
  const [picking, setPicking] = useState(false);
  const pinned = room.pins.some((p) => p.messageId === message.id);
  const canPin = canInRoom(room.kind, room.role, 'pin');

  if (picking)
    return (
      <EmojiPicker
        message={message}
        onDone={(error) => {
          if (error) onError();
          onClose();
        }}
      />
    );
  return (
    <>
      <button
        type="button"
        className="small"
        autoFocus={first}
        onClick={() => {
          replyTarget.set({ roomId: room.id, message });
          onClose();
          document.getElementById('composer')?.focus();
        }}
      >
        {t('reply.action')}
      </button>
      <button type="button" className="small" onClick={() => setPicking(true)}>
        {t('reactions.action')}
      </button>
      {canPin && (
        <button
          type="button"
          className="small"
          onClick={() => {
            (pinned ? client.unpin(message.id) : client.pin(message.id)).catch(onError);
            onClose();
          }}
        >
          {pinned ? t('pins.unpin') : t('pins.pin')}
        </button>
      )}
    </>
  );
}
