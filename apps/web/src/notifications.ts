import type { ChatClient } from '@chatchat/client';
import { createValueStore } from './external-store';

export type NotifyPermission = NotificationPermission | 'unsupported';

const supported = typeof Notification !== 'undefined';
export const permissionStore = createValueStore<NotifyPermission>(supported ? Notification.permission : 'unsupported');

/** Only ever called from a click: browsers (rightly) ignore or punish prompts on load. */
export async function askPermission(): Promise<void> {
  if (!supported) return;
  permissionStore.set(await Notification.requestPermission());
}

/**
 * A notification for each message from someone else that lands while the tab is hidden or
 * another room is open; one per room at a time (the tag replaces the previous one).
 */
export function startNotifications(client: ChatClient, currentRoom: () => string | null): () => void {
  const off = client.on('unread', ({ room, message }) => {
    if (!supported || Notification.permission !== 'granted') return;
    if (!document.hidden && currentRoom() === room.id) return;
    const sender = client.user(message.senderId)?.displayName ?? '';
    const title = room.kind === 'direct' ? sender : `${sender} · ${room.name}`;
    try {
      const n = new Notification(title, {
        body: (message.body || (message.attachments ?? []).map((a) => a.name).join(', ')).slice(0, 200),
        tag: room.id,
        icon: '/favicon.svg',
      });
      n.onclick = () => {
        window.focus();
        history.pushState(null, '', `/rooms/${encodeURIComponent(room.id)}`);
        dispatchEvent(new PopStateEvent('popstate'));
        n.close();
      };
    } catch {
      // Some platforms allow notifications only from a service worker; the badge and title still tell.
    }
  });
  return off;
}
