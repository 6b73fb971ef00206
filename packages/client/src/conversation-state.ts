import {
  Limits,
  mentionsUser,
  type EventData,
  type Message,
  type MessageReactions,
  type Pin,
  type ReactionCount,
  type Room,
} from '@chatchat/protocol';
import { drop, put, type Table } from './table.js';

/**
 * Reducers for replies, reactions, mentions, pins and room settings, applied by chat-state.ts.
 * Each takes and returns plain values; the state shares what did not change.
 */

/** roomId → messageId → counts as I see them. */
export type ReactionTable = Table<Table<readonly ReactionCount[]>>;

// ---- mentions ----

/**
 * My pointer moved to `lastReadSeq`: mentions at or below it are read. The count is exact while
 * the listed seqs are all of them; beyond `Limits.maxMentionSeqs` the older unlisted ones are below
 * every listed one, so reading past the lowest listed seq reads them all too.
 */
export function readMentions(room: Room, lastReadSeq: number): Pick<Room, 'mentionCount' | 'mentionSeqs'> {
  if (room.mentionCount === 0) return room;
  const kept = room.mentionSeqs.filter((s) => s > lastReadSeq);
  if (kept.length === room.mentionSeqs.length && room.mentionCount === kept.length) return room;
  const unlisted = room.mentionCount - room.mentionSeqs.length;
  const lowest = room.mentionSeqs[0];
  // Unlisted mentions are older than the lowest listed one: gone once it is read, unknown otherwise (kept).
  const count = kept.length + (lowest !== undefined && lastReadSeq >= lowest ? 0 : unlisted);
  return { mentionCount: count, mentionSeqs: kept };
}

/** A new message in the room: counts when it mentions me and is above my pointer. */
export function countMention(room: Room, message: Message, meId: string | undefined): Room {
  if (!meId || !mentionsUser(message, meId) || message.seq <= room.lastReadSeq || room.mentionSeqs.includes(message.seq)) return room;
  const seqs = [...room.mentionSeqs, message.seq].sort((a, b) => a - b);
  return { ...room, mentionCount: room.mentionCount + 1, mentionSeqs: seqs.length > Limits.maxMentionSeqs ? seqs.slice(1) : seqs };
}

/** A deleted message no longer counts as a mention (when we know it did). */
function uncountMention(room: Room, seq: number): Room {
  if (!room.mentionSeqs.includes(seq)) return room;
  return { ...room, mentionCount: Math.max(0, room.mentionCount - 1), mentionSeqs: room.mentionSeqs.filter((s) => s !== seq) };
}

// ---- notifications ----

/** Whether a message from someone else in `room` should notify me at `now` (client clock, ms). */
export function notifies(room: Room, message: Message, meId: string, now: number): boolean {
  if (room.notify === 'none') return false;
  const mentioned = mentionsUser(message, meId);
  const muted = room.muteUntil !== null && Date.parse(room.muteUntil) > now;
  // A mention notifies even in a muted room; "nothing" means nothing.
  if (mentioned) return true;
  return room.notify === 'all' && !muted;
}

export function isMuted(room: Room, now: number): boolean {
  return room.muteUntil !== null && Date.parse(room.muteUntil) > now;
}

// ---- messages held elsewhere (pins, quotes) ----

/** An edit or deletion reaches the room's pins and the quotes of replies held in `messages`. */
export function roomAfterUpdate(room: Room, message: Message): Room {
  let next = room;
  if (message.deletedAt) next = uncountMention(next, message.seq);
  if (next.pins.some((p) => p.messageId === message.id)) {
    const pins = message.deletedAt
      ? next.pins.filter((p) => p.messageId !== message.id)
      : next.pins.map((p) => (p.messageId === message.id ? { ...p, message } : p));
    next = { ...next, pins };
  }
  return next;
}

/** Replies quoting `original` learn that it was edited or deleted. */
export function requote(messages: readonly Message[], original: Message): readonly Message[] {
  if (!messages.some((m) => m.replyTo?.messageId === original.id)) return messages;
  return messages.map((m) => {
    if (m.replyTo?.messageId !== original.id) return m;
    const deleted = original.deletedAt !== null;
    return {
      ...m,
      replyTo: {
        ...m.replyTo,
        edited: m.replyTo.edited || (!deleted && original.editedAt !== null),
        deleted,
        excerpt: deleted ? '' : m.replyTo.excerpt,
      },
    };
  });
}

export function applyPinAdded(room: Room, pin: Pin): Room {
  return { ...room, pins: [pin, ...room.pins.filter((p) => p.messageId !== pin.messageId)] };
}

export function applyPinRemoved(room: Room, messageId: string): Room {
  return room.pins.some((p) => p.messageId === messageId) ? { ...room, pins: room.pins.filter((p) => p.messageId !== messageId) } : room;
}

export function applySettings(room: Room, s: EventData<'room.settings'>): Room {
  return room.notify === s.notify && room.muteUntil === s.muteUntil ? room : { ...room, notify: s.notify, muteUntil: s.muteUntil };
}

// ---- reactions ----

/**
 * A coalesced `reaction.updated`: the counts are the room's; `me` per emoji comes from what I
 * held, changed by my own entries in `changes` (the frame is one for the whole room).
 */
export function applyReactionUpdate(table: ReactionTable, meId: string | undefined, data: EventData<'reaction.updated'>): ReactionTable {
  const room = table[data.roomId] ?? {};
  const held = new Map((room[data.messageId] ?? []).map((r) => [r.emoji, r.me]));
  for (const c of data.changes) if (c.userId === meId) held.set(c.emoji, c.on);
  const next = data.reactions.map(({ emoji, count }) => ({ emoji, count, me: held.get(emoji) ?? false }));
  return put(table, data.roomId, next.length ? put(room, data.messageId, next) : drop(room, data.messageId));
}

/** Authoritative counts as I see them (op replies, history pages, resync): replace what is held. */
export function applyReactionCounts(
  table: ReactionTable,
  roomId: string,
  covered: readonly string[],
  counts: readonly MessageReactions[],
): ReactionTable {
  let room = table[roomId] ?? {};
  const given = new Map(counts.map((c) => [c.messageId, c.reactions]));
  for (const id of covered) {
    const list = given.get(id);
    room = list?.length ? put(room, id, list) : drop(room, id);
  }
  return put(table, roomId, room);
}

export function dropRoomReactions(table: ReactionTable, roomId: string): ReactionTable {
  return drop(table, roomId);
}
