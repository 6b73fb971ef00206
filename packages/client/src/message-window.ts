import type { Message } from '@chatchat/protocol';

/**
 * The messages of one room that this client holds: a run of seqs, possibly with holes
 * while a gap is being filled. Seq is the room's gap-free order, so it is both the sort
 * key and the identity for dedupe.
 */
export interface MessageWindow {
  /** Ascending by seq, exactly one entry per seq. */
  readonly messages: readonly Message[];
  /**
   * Highest seq s such that every seq from the lowest held one up to s is held;
   * 0 when empty. Everything above it and up to the room's lastSeq is a gap to fetch.
   */
  readonly contiguousSeq: number;
  /** True once older history is exhausted (a page came back short or reached seq 1). */
  readonly reachedStart: boolean;
  /**
   * When set, the run is known to start right above this seq even before any message is
   * held: a room that arrives live (room.added) starts at its lastSeq, so events missed
   * while the gateway subscribed show up as a gap instead of silently starting later.
   */
  readonly floorSeq: number | null;
}

export const emptyWindow: MessageWindow = { messages: [], contiguousSeq: 0, reachedStart: false, floorSeq: null };

/** A window for a room whose history up to `seq` is not needed to be contiguous. */
export function windowFrom(seq: number): MessageWindow {
  return { ...emptyWindow, contiguousSeq: seq, floorSeq: seq };
}

/** Thumbnails made so far: they only ever grow, so more means a later server write. */
const variantCount = (m: Message) => m.attachments?.reduce((n, a) => n + a.variants.length, 0) ?? 0;

/**
 * Of two copies of the same message, the one reflecting more history: deletion is final,
 * then the later edit wins, then (same edit) the one with more thumbnails made, which
 * `message.updated` brings without an edit. Equal copies keep `a` so unchanged objects
 * keep their identity.
 */
export function newerMessage(a: Message, b: Message): Message {
  if (a.deletedAt) return a;
  if (b.deletedAt) return b;
  if (b.editedAt && (!a.editedAt || b.editedAt > a.editedAt)) return b;
  if (b.editedAt === a.editedAt && variantCount(b) > variantCount(a)) return b;
  return a;
}

function contiguousFrom(messages: readonly Message[], floorSeq: number | null): number {
  if (floorSeq !== null) {
    let seq = floorSeq;
    // Messages at or below the floor (older history) do not affect the run above it.
    for (const m of messages) {
      if (m.seq <= seq) continue;
      if (m.seq !== seq + 1) break;
      seq = m.seq;
    }
    return seq;
  }
  if (messages.length === 0) return 0;
  let seq = messages[0]!.seq;
  for (let i = 1; i < messages.length; i++) {
    const next = messages[i]!.seq;
    if (next !== seq + 1) break;
    seq = next;
  }
  return seq;
}

/** Index of `seq` in `messages`, or the bitwise complement of its insertion point. */
function search(messages: readonly Message[], seq: number): number {
  let lo = 0;
  let hi = messages.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = messages[mid]!.seq;
    if (s === seq) return mid;
    if (s < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return ~lo;
}

export function findBySeq(window: MessageWindow, seq: number): Message | undefined {
  const i = search(window.messages, seq);
  return i >= 0 ? window.messages[i] : undefined;
}

/**
 * Merges messages in any order, deduplicated by seq (keeping the newer copy).
 * Returns the same window object when nothing changed.
 */
export function mergeMessages(window: MessageWindow, incoming: readonly Message[]): MessageWindow {
  if (incoming.length === 0) return window;
  let messages: Message[] | undefined;
  for (const m of incoming) {
    const list = messages ?? window.messages;
    const i = search(list, m.seq);
    if (i >= 0) {
      const kept = newerMessage(list[i]!, m);
      if (kept === list[i]) continue;
      messages ??= [...window.messages];
      messages[i] = kept;
    } else {
      messages ??= [...window.messages];
      messages.splice(~i, 0, m);
    }
  }
  if (!messages) return window;
  return { ...window, messages, contiguousSeq: contiguousFrom(messages, window.floorSeq) };
}

/** Replaces a held message by a newer copy (edit, delete); messages not held are ignored. */
export function updateMessage(window: MessageWindow, message: Message): MessageWindow {
  if (!findBySeq(window, message.seq)) return window;
  return mergeMessages(window, [message]);
}

/**
 * What to fetch so the window runs without holes up to `lastSeq` (the room's newest seq
 * as this client knows it): `message.list { afterSeq }` until `toSeq` is held.
 * An empty window without a floor has nothing to continue from, so it has no gap.
 */
export function gapOf(window: MessageWindow, lastSeq: number): { afterSeq: number; toSeq: number } | undefined {
  if (window.messages.length === 0 && window.floorSeq === null) return undefined;
  const highest = window.messages[window.messages.length - 1]?.seq ?? 0;
  const toSeq = Math.max(highest, lastSeq);
  return toSeq > window.contiguousSeq ? { afterSeq: window.contiguousSeq, toSeq } : undefined;
}

export function lowestSeq(window: MessageWindow): number | undefined {
  return window.messages[0]?.seq;
}

export function markReachedStart(window: MessageWindow): MessageWindow {
  return window.reachedStart ? window : { ...window, reachedStart: true };
}
