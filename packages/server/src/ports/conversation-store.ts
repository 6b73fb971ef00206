import type { Message, MessageReactions, NotifyLevel, Pin } from '@chatchat/protocol';
import type { QueryTerm } from '../features/search/search-tokenizer.js';

/** A member's own settings of a room. */
export interface RoomSettings {
  notify: NotifyLevel;
  muteUntil: string | null;
}

/** What a room view adds for its viewer beyond the member row: settings, mentions, pins. */
export interface RoomExtras extends RoomSettings {
  mentionCount: number;
  /** Newest unread mention seqs, ascending, at most `limit` of `roomExtras`. */
  mentionSeqs: number[];
  /** Newest pin first; pins of deleted messages are left out. */
  pins: Pin[];
}

export type AddReactionResult = 'added' | 'exists' | 'full';
export type AddPinResult = { status: 'added'; pin: Pin } | { status: 'exists' } | { status: 'full' };

export interface SearchHit {
  message: Message;
  /** Paging position: a later page asks for hits below it. */
  cursor: number;
}

/**
 * Persistence for replies, mentions, reactions, pins, room settings and search (part of `Store`).
 * Replies and mentions are written with the message itself (`NewMessage.replyTo`, `.mentions`);
 * edits and deletions keep quotes, mention rows, reactions and the search index in step.
 */
export interface ConversationStore {
  /** Ids of the users named (usernames, case-insensitive) who are current members of the room. */
  resolveMentionedMembers(roomId: string, usernames: readonly string[]): Promise<string[]>;

  /** Adds one user's emoji; `full` when the emoji would be one more than `maxDistinct` on the message. */
  addReaction(input: {
    roomId: string;
    messageId: string;
    userId: string;
    emoji: string;
    now: string;
    maxDistinct: number;
  }): Promise<AddReactionResult>;
  /** False when there was no such reaction. */
  removeReaction(messageId: string, userId: string, emoji: string): Promise<boolean>;
  /**
   * Counts per emoji (in order of first use) and whether `viewerId` reacted, of those of
   * `messageIds` that are in the room; messages without reactions are left out.
   */
  reactionCounts(roomId: string, messageIds: readonly string[], viewerId: string | null): Promise<MessageReactions[]>;
  /** Who reacted with what, in order of first use. */
  reactionUsers(messageId: string): Promise<Array<{ emoji: string; userIds: string[] }>>;

  addPin(input: { roomId: string; messageId: string; seq: number; userId: string; now: string; max: number }): Promise<AddPinResult>;
  /** False when the message was not pinned. */
  removePin(roomId: string, messageId: string): Promise<boolean>;

  /** Throws `not_found` ('member') unless the user is a current member. */
  setRoomSettings(roomId: string, userId: string, settings: RoomSettings): Promise<RoomSettings>;
  /** Per room the user is a current member of (among `roomIds`). */
  roomExtras(userId: string, roomIds: readonly string[], mentionSeqLimit: number): Promise<Map<string, RoomExtras>>;

  /**
   * Messages matching every term, newest first, only from rooms the user is a current member of
   * (all of a room's history, as the history route shows it), deleted ones never.
   */
  searchMessages(input: {
    userId: string;
    terms: readonly QueryTerm[];
    roomId?: string;
    before?: number;
    limit: number;
  }): Promise<SearchHit[]>;
  /**
   * Indexes for search what was sent, edited or deleted before the call and is not indexed yet
   * (`searchMessages` does so itself first; the worker role runs it to keep up). Resolves with
   * the messages still waiting (sent since, or in another process's indexer at that moment).
   */
  indexPendingSearch(): Promise<number>;
}
