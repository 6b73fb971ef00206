import type { ChatClient, SendOptions } from '@chatchat/client';
import { createValueStore, type ValueStore } from './external-store';

export type Connection = { state: 'connected' } | { state: 'connecting' } | { state: 'waiting'; retryAt: number; attempt: number };

export interface FailedSend {
  id: string;
  roomId: string;
  body: string;
  error: string;
  /** Its reply target and files: a retry sends the same message. */
  options?: SendOptions;
}

export interface ScrollMemory {
  /** Key of the first visible row and how far above the viewport top its top edge was. */
  anchorKey: string;
  offset: number;
  atBottom: boolean;
  /** The list's measured sizes, valid to restore only while the row count is the same. */
  cache: unknown;
  length: number;
}

export interface LiveLine {
  id: string;
  text: string;
}

export interface AppStores {
  connection: ValueStore<Connection>;
  failed: ValueStore<readonly FailedSend[]>;
  drafts: DraftStore;
  scroll: Map<string, ScrollMemory>;
  /** Lines for the polite live region, one per incoming message in the open room. */
  live: ValueStore<readonly LiveLine[]>;
  /** A new notice was posted in this room: shown as an alert until dismissed. */
  noticeAlert: ValueStore<{ roomId: string; noticeId: string } | null>;
  close(): void;
}

export interface DraftStore extends ValueStore<Readonly<Record<string, string>>> {
  put(roomId: string, text: string): void;
}

/**
 * Drafts per user and room in localStorage, so they survive reloads; they are the user's
 * own unsent text, never credentials.
 */
function createDraftStore(userId: string): DraftStore {
  const key = `chatchat.drafts.${userId}`;
  let initial: Record<string, string> = {};
  try {
    initial = JSON.parse(localStorage.getItem(key) ?? '{}') as Record<string, string>;
  } catch {
    initial = {};
  }
  const store = createValueStore<Readonly<Record<string, string>>>(initial);
  return {
    ...store,
    put(roomId, text) {
      store.set((prev) => {
        if ((prev[roomId] ?? '') === text) return prev;
        const next = { ...prev };
        if (text) next[roomId] = text;
        else delete next[roomId];
        try {
          localStorage.setItem(key, JSON.stringify(next));
        } catch {
          // Storage full or disabled: the draft still lives for this tab.
        }
        return next;
      });
    },
  };
}

const maxLiveLines = 50;

export function createAppStores(client: ChatClient, userId: string, currentRoom: () => string | null): AppStores {
  const connection = createValueStore<Connection>({ state: 'connecting' });
  const live = createValueStore<readonly LiveLine[]>([]);
  const noticeAlert = createValueStore<{ roomId: string; noticeId: string } | null>(null);
  const offs = [
    client.on('connected', () => connection.set({ state: 'connected' })),
    client.on('disconnected', () => connection.set((c) => (c.state === 'waiting' ? c : { state: 'connecting' }))),
    client.on('reconnecting', ({ attempt, delayMs }) => connection.set({ state: 'waiting', attempt, retryAt: Date.now() + delayMs })),
    client.on('message.created', ({ message }) => {
      if (message.senderId === userId || message.roomId !== currentRoom() || message.kind === 'system') return;
      const sender = client.user(message.senderId)?.displayName ?? '';
      live.set((lines) => [
        ...lines.slice(-(maxLiveLines - 1)),
        { id: message.id, text: `${sender}: ${message.body || (message.attachments ?? []).map((a) => a.name).join(', ')}` },
      ]);
    }),
    client.on('notice.created', ({ notice }) => {
      if (notice.authorId !== userId) noticeAlert.set({ roomId: notice.roomId, noticeId: notice.id });
    }),
  ];
  return {
    connection,
    failed: createValueStore<readonly FailedSend[]>([]),
    drafts: createDraftStore(userId),
    scroll: new Map(),
    live,
    noticeAlert,
    close() {
      for (const off of offs) off();
    },
  };
}
