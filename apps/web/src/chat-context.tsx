import { createContext, useContext, useSyncExternalStore } from 'react';
import type { ChatClient, ChatState } from '@chatchat/client';
import type { User } from '@chatchat/protocol';
import type { AppStores } from './app-stores';

export interface ChatSession {
  client: ChatClient;
  stores: AppStores;
  signOut(everywhere: boolean): Promise<void>;
}

export const SessionContext = createContext<ChatSession | null>(null);

export function useSession(): ChatSession {
  const s = useContext(SessionContext);
  if (!s) throw new Error('no session');
  return s;
}

export const useClient = (): ChatClient => useSession().client;

/**
 * The SDK's state is one immutable value replaced on every change, so reading it through
 * useSyncExternalStore can never tear; selectors return parts that keep their identity.
 */
export function useChat<T>(select: (state: ChatState) => T): T {
  const client = useClient();
  return useSyncExternalStore(
    (onChange) => client.on('change', onChange),
    () => select(client.getState()),
  );
}

export function useUser(userId: string | undefined): User | undefined {
  return useChat((s) => (userId ? s.users[userId] : undefined));
}

export function useMe(): User {
  return useChat((s) => s.me)!;
}
