import type { Message } from '@chatchat/protocol';
import type { NewMessage } from '../../ports/store.js';

/** The hot path of the store: `Store.insertMessage` (see group-commit-writer.ts). */
export interface MessageWriter {
  insert(input: NewMessage): Promise<{ message: Message; duplicate: boolean }>;
  /** Resolves once every accepted insert has settled. */
  close(): Promise<void>;
}
