import type { Message } from '@chatchat/protocol';
import type { NewMessage } from '../../ports/store.js';

/**
 * What a new message adds beside its own columns, the same for every writer: the reply quote
 * and mention columns and the mention rows (one `*` row for `@all`). Search is not here: text
 * messages are indexed later, off the send path (see search-indexer.ts).
 */
export interface MessageExtras {
  replyColumns: [string | null, number | null, string | null, string | null, number | null, number | null];
  mentionsJson: string | null;
  mentionsAll: number;
  /** User ids to write mention rows for. */
  mentionRows: string[];
}

export function messageExtras(input: NewMessage): MessageExtras {
  const r = input.replyTo ?? null;
  const mentionsAll = input.mentionsAll === true;
  const mentions = [...new Set(input.mentions ?? [])];
  return {
    replyColumns: r
      ? [r.messageId, r.seq, r.senderId, r.excerpt, r.edited ? 1 : 0, r.deleted ? 1 : 0]
      : [null, null, null, null, null, null],
    mentionsJson: mentions.length > 0 ? JSON.stringify(mentions) : null,
    mentionsAll: mentionsAll ? 1 : 0,
    mentionRows: mentionsAll ? ['*'] : mentions,
  };
}

/** The protocol fields of a new message that come from `NewMessage` rather than from its row. */
export function newMessageFields(input: NewMessage): Pick<Message, 'replyTo' | 'mentions' | 'mentionsAll'> {
  return {
    replyTo: input.replyTo ?? null,
    mentions: [...new Set(input.mentions ?? [])],
    mentionsAll: input.mentionsAll === true,
  };
}
