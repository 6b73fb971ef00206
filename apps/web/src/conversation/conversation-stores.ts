import type { Message } from '@chatchat/protocol';
import { createValueStore } from '../external-store';

/**
 * UI state of the conversation features that several components share: the message the
 * composer is answering, and a request to bring one message into view (from a quote, a pin or
 * a search result; the list of that room takes it when it has the message).
 */
export const replyTarget = createValueStore<{ roomId: string; message: Message } | null>(null);

export interface JumpRequest {
  roomId: string;
  messageId: string;
  seq: number;
  /** Distinguishes two requests for the same message. */
  at: number;
  /** Older pages fetched so far to reach it, and whether one is on its way. */
  pages?: number;
  loading?: boolean;
}
export const jumpRequest = createValueStore<JumpRequest | null>(null);

export function requestJump(roomId: string, messageId: string, seq: number): void {
  jumpRequest.set({ roomId, messageId, seq, at: Date.now() });
}
