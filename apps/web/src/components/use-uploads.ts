import { useCallback, useEffect, useRef, useState } from 'react';
import { ChatClientError, randomId, type ChatClient } from '@chatchat/client';
import { Limits } from '@chatchat/protocol';
import { errorMessageId } from '../errors';
import type { MessageId } from '../i18n/en';

export interface TrayFile {
  key: string;
  file: File;
  status: 'uploading' | 'done' | 'failed';
  loaded: number;
  uploadId?: string;
  error?: MessageId;
  /** Worth trying again (the network, the server busy); a refused file is not. */
  retryable?: boolean;
  /** A local preview of an image (an object URL), revoked when the file leaves the tray. */
  preview?: string;
}

export function uploadError(err: unknown): { error: MessageId; retryable: boolean } {
  const code = err instanceof ChatClientError ? err.code : 'internal';
  switch (code) {
    case 'too_large':
      return { error: 'attach.tooLarge', retryable: false };
    case 'unsupported_type':
      return { error: 'attach.unsupported', retryable: false };
    case 'quota_exceeded':
      return { error: 'attach.quota', retryable: false };
    case 'rate_limited':
      return { error: 'error.rateLimited', retryable: true };
    case 'forbidden':
    case 'not_found':
    case 'invalid':
      return { error: errorMessageId(err), retryable: false };
    default:
      return { error: 'attach.failed', retryable: true };
  }
}

const previewable = /^image\/(png|jpeg|gif|webp)$/;

/**
 * The composer's pending files: each starts uploading when it is added (so it is ready by
 * the time the text is written), shows its progress, and can be removed or retried.
 */
export function useUploads(client: ChatClient, roomId: string) {
  const [files, setFiles] = useState<TrayFile[]>([]);
  const [notice, setNotice] = useState<MessageId | null>(null);
  const aborts = useRef(new Map<string, AbortController>());
  const filesRef = useRef(files);
  filesRef.current = files;

  useEffect(
    () => () => {
      for (const a of aborts.current.values()) a.abort();
      for (const f of filesRef.current) if (f.preview) URL.revokeObjectURL(f.preview);
    },
    [],
  );

  const patch = useCallback((key: string, p: Partial<TrayFile>) => {
    setFiles((list) => list.map((f) => (f.key === key ? { ...f, ...p } : f)));
  }, []);

  const start = useCallback(
    (key: string, file: File) => {
      const abort = new AbortController();
      aborts.current.set(key, abort);
      patch(key, { status: 'uploading', loaded: 0, error: undefined, retryable: undefined });
      client
        .upload(file, { roomId, signal: abort.signal, onProgress: ({ loaded }) => patch(key, { loaded }) })
        .then(
          (uploadId) => patch(key, { status: 'done', uploadId, loaded: file.size }),
          (err: unknown) => {
            if (abort.signal.aborted) return;
            patch(key, { status: 'failed', ...uploadError(err) });
          },
        )
        .finally(() => {
          if (aborts.current.get(key) === abort) aborts.current.delete(key);
        });
    },
    [client, roomId, patch],
  );

  const add = useCallback(
    (picked: readonly File[]) => {
      const room = Limits.maxAttachmentsPerMessage - filesRef.current.length;
      const taken = picked.slice(0, Math.max(0, room));
      setNotice(taken.length < picked.length ? 'attach.tooMany' : null);
      const added: TrayFile[] = taken.map((file) => ({
        key: randomId(),
        file,
        status: 'uploading',
        loaded: 0,
        ...(previewable.test(file.type) ? { preview: URL.createObjectURL(file) } : {}),
      }));
      setFiles((list) => [...list, ...added]);
      for (const f of added) start(f.key, f.file);
    },
    [start],
  );

  const remove = useCallback((key: string) => {
    aborts.current.get(key)?.abort();
    aborts.current.delete(key);
    setNotice(null);
    setFiles((list) => {
      const gone = list.find((f) => f.key === key);
      if (gone?.preview) URL.revokeObjectURL(gone.preview);
      return list.filter((f) => f.key !== key);
    });
  }, []);

  const retry = useCallback(
    (key: string) => {
      const f = filesRef.current.find((x) => x.key === key);
      if (f) start(key, f.file);
    },
    [start],
  );

  const clear = useCallback(() => {
    for (const f of filesRef.current) if (f.preview) URL.revokeObjectURL(f.preview);
    setFiles([]);
    setNotice(null);
  }, []);

  return { files, notice, add, remove, retry, clear };
}

export type Uploads = ReturnType<typeof useUploads>;
