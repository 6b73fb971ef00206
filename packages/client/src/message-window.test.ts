import type { Message } from '@chatchat/protocol';
import { describe, expect, it } from 'vitest';
import { emptyWindow, gapOf, mergeMessages, newerMessage, updateMessage, windowFrom } from './message-window.js';

function msg(seq: number, patch: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    roomId: 'r1',
    seq,
    senderId: 'u1',
    kind: 'text',
    body: `body ${seq}`,
    clientMsgId: null,
    createdAt: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
    editedAt: null,
    deletedAt: null,
    replyTo: null,
    mentions: [],
    mentionsAll: false,
    ...patch,
  };
}
const seqs = (w: { messages: readonly Message[] }) => w.messages.map((m) => m.seq);

describe('message window', () => {
  it('orders by seq whatever the arrival order', () => {
    const w = mergeMessages(mergeMessages(mergeMessages(emptyWindow, [msg(3)]), [msg(1)]), [msg(2), msg(5), msg(4)]);
    expect(seqs(w)).toEqual([1, 2, 3, 4, 5]);
    expect(w.contiguousSeq).toBe(5);
  });

  it('dedupes by seq and returns the same window when nothing changed', () => {
    const w = mergeMessages(emptyWindow, [msg(1), msg(2)]);
    const again = mergeMessages(w, [msg(2), msg(1)]);
    expect(again).toBe(w);
    expect(seqs(mergeMessages(w, [msg(2), msg(2), msg(3)]))).toEqual([1, 2, 3]);
  });

  it('takes the copy with thumbnails made since (message.updated without an edit), never the stale one', () => {
    const file = { id: 'f1', name: 'a.png', contentType: 'image/png', size: 10, width: 4, height: 3, url: '/api/v1/attachments/f1' };
    const bare = msg(1, { kind: 'file', attachments: [{ ...file, variants: [] }] });
    const thumbs = msg(1, { kind: 'file', attachments: [{ ...file, variants: ['thumb320', 'thumb1280'] }] });
    let w = mergeMessages(emptyWindow, [bare]);
    w = updateMessage(w, thumbs);
    expect(w.messages[0]).toBe(thumbs);
    w = mergeMessages(w, [bare]); // a late message.created
    expect(w.messages[0]).toBe(thumbs);
  });

  it('keeps the newer copy: deletion is final, later edit wins', () => {
    const edited = msg(1, { body: 'v2', editedAt: '2024-01-01T00:00:02.000Z' });
    const older = msg(1, { body: 'v1', editedAt: '2024-01-01T00:00:01.000Z' });
    const deleted = msg(1, { body: '', deletedAt: '2024-01-01T00:00:03.000Z' });
    expect(newerMessage(msg(1), edited)).toBe(edited);
    expect(newerMessage(edited, older)).toBe(edited);
    expect(newerMessage(deleted, edited)).toBe(deleted);
    let w = mergeMessages(emptyWindow, [msg(1)]);
    w = updateMessage(w, edited);
    expect(w.messages[0]!.body).toBe('v2');
    w = mergeMessages(w, [msg(1)]); // a late, stale message.created
    expect(w.messages[0]!.body).toBe('v2');
    w = updateMessage(w, deleted);
    expect(w.messages[0]!.deletedAt).not.toBeNull();
  });

  it('updates of messages not held are ignored', () => {
    const w = mergeMessages(emptyWindow, [msg(5)]);
    expect(updateMessage(w, msg(3, { body: 'x', editedAt: '2024-01-01T00:00:00.000Z' }))).toBe(w);
  });

  it('detects a gap above the contiguous run', () => {
    let w = mergeMessages(emptyWindow, [msg(10), msg(11), msg(12)]);
    expect(gapOf(w, 12)).toBeUndefined();
    w = mergeMessages(w, [msg(15)]);
    expect(w.contiguousSeq).toBe(12);
    expect(gapOf(w, 15)).toEqual({ afterSeq: 12, toSeq: 15 });
    w = mergeMessages(w, [msg(14), msg(13)]);
    expect(w.contiguousSeq).toBe(15);
    expect(gapOf(w, 15)).toBeUndefined();
  });

  it('the room lastSeq beyond the window is a gap too (after reconnect)', () => {
    const w = mergeMessages(emptyWindow, [msg(1), msg(2)]);
    expect(gapOf(w, 7)).toEqual({ afterSeq: 2, toSeq: 7 });
    expect(gapOf(emptyWindow, 7)).toBeUndefined();
  });

  it('older pages below the window extend the contiguous run from the new bottom', () => {
    let w = mergeMessages(emptyWindow, [msg(50), msg(51)]);
    w = mergeMessages(
      w,
      Array.from({ length: 49 }, (_, i) => msg(i + 1)),
    );
    expect(w.messages).toHaveLength(51);
    expect(w.contiguousSeq).toBe(51);
  });
  it('a floor (room that arrived live) makes missed first events a gap', () => {
    let w = windowFrom(4);
    expect(gapOf(w, 4)).toBeUndefined();
    expect(gapOf(w, 6)).toEqual({ afterSeq: 4, toSeq: 6 });
    w = mergeMessages(w, [msg(7)]);
    expect(w.contiguousSeq).toBe(4);
    expect(gapOf(w, 7)).toEqual({ afterSeq: 4, toSeq: 7 });
    w = mergeMessages(w, [msg(5), msg(6), msg(2)]); // older history below the floor is just held
    expect(w.contiguousSeq).toBe(7);
    expect(w.messages.map((m) => m.seq)).toEqual([2, 5, 6, 7]);
    expect(gapOf(w, 7)).toBeUndefined();
  });
});
