import { useCallback, useEffect, type RefObject } from 'react';
import type { VirtualizerHandle } from 'virtua';
import { Limits } from '@chatchat/protocol';
import { useClient } from '../chat-context';
import { useValue } from '../external-store';
import { jumpRequest, type JumpRequest } from './conversation-stores';

/** Older pages fetched at most to reach a jumped-to message; further back it is left to scrolling. */
const maxPages = 5;

/**
 * Brings the requested message of this room into view and focuses it, once the list is placed.
 * An older message is fetched page by page (a few pages at most); one that is gone is let go.
 */
export function useJump(
  roomId: string,
  rows: readonly { key: string; kind: string; message?: { id: string; seq: number } }[],
  handle: RefObject<VirtualizerHandle | null>,
  scroller: RefObject<HTMLDivElement | null>,
  positioned: RefObject<boolean>,
  focusRow: (key: string) => void,
): () => void {
  const client = useClient();
  const request = useValue(jumpRequest);

  const tryJump = useCallback(() => {
    const req = jumpRequest.get();
    const h = handle.current;
    if (!req || req.roomId !== roomId || !h || !positioned.current) return;
    const index = rows.findIndex((r) => r.kind === 'msg' && r.message?.id === req.messageId);
    if (index >= 0) {
      jumpRequest.set(null);
      const key = rows[index]!.key;
      h.scrollToIndex(index, { align: 'center' });
      focusRow(key);
      requestAnimationFrame(() => {
        handle.current?.scrollToIndex(index, { align: 'center' });
        const el = scroller.current?.querySelector<HTMLElement>(`article[data-key="${key}"]`);
        el?.focus({ preventScroll: true });
        el?.classList.add('jumped');
      });
      return;
    }
    const lowest = client.messages(roomId)[0]?.seq;
    if (req.loading) return;
    const pages = req.pages ?? 0;
    if (lowest === undefined || lowest <= req.seq || !client.hasMoreHistory(roomId) || pages >= maxPages) {
      jumpRequest.set(null);
      return;
    }
    jumpRequest.set({ ...req, pages: pages + 1, loading: true });
    const same = (r: JumpRequest | null) => r !== null && r.at === req.at;
    client.loadHistory(roomId, { limit: Limits.maxHistoryPage }).then(
      () => jumpRequest.set((r) => (same(r) ? { ...r!, loading: false } : r)),
      () => jumpRequest.set((r) => (same(r) ? null : r)),
    );
  }, [client, roomId, rows, handle, scroller, positioned, focusRow]);

  useEffect(() => {
    if (request?.roomId === roomId) tryJump();
  }, [request, tryJump]);

  return tryJump;
}
