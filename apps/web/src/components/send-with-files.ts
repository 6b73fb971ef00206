import { useCallback, useRef, useState } from 'react';
import { randomId, type ChatClient } from '@chatchat/client';
import type { Message } from '@chatchat/protocol';
import type { TrayFile } from './use-uploads';

/**
 * A message with files goes straight to `message.send` (the SDK's outbox queues text only);
 * the message shows up through its `message.created` like any other. Text is optional.
 * The same send tried again keeps its clientMsgId, so the server counts it once.
 */
export function useSendWithFiles(client: ChatClient, roomId: string) {
  const [sending, setSending] = useState(false);
  const last = useRef<{ key: string; clientMsgId: string } | null>(null);
  const send = useCallback(
    async (body: string, files: readonly TrayFile[], replyTo?: string): Promise<Message> => {
      const attachments = files.map((f) => f.uploadId!);
      const text = body.trim() ? body : undefined;
      const key = JSON.stringify([text ?? '', attachments, replyTo ?? null]);
      if (last.current?.key !== key) last.current = { key, clientMsgId: randomId() };
      const { clientMsgId } = last.current;
      setSending(true);
      try {
        const { message } = await client.request('message.send', {
          roomId,
          clientMsgId,
          attachments,
          ...(text !== undefined ? { body: text } : {}),
          ...(replyTo ? { replyTo } : {}),
        });
        last.current = null;
        return message;
      } finally {
        setSending(false);
      }
    },
    [client, roomId],
  );
  return { sending, send };
}
