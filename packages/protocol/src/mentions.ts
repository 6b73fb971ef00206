import type { Message } from './entities.js';

/**
 * Whether `message` mentions `userId`: by name or by `@all`, never one's own message. The
 * server counts mention rows by the same rule (sender excluded); clients use this for live counts.
 */
export function mentionsUser(message: Pick<Message, 'senderId' | 'mentions' | 'mentionsAll'>, userId: string): boolean {
  return message.senderId !== userId && (message.mentionsAll || message.mentions.includes(userId));
}
