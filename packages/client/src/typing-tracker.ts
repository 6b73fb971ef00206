import { Limits } from '@chatchat/protocol';
import { nextTypingExpiry, pruneTyping } from './chat-state.js';
import type { ClientContext } from './client-context.js';

export interface TypingTracker {
  /** Tells the room I am typing; throttled to Limits.typingIntervalMs per room, dropped when offline. */
  send(roomId: string): void;
  /** Call on every state change: keeps one timer at the earliest indicator's expiry. */
  scheduleExpiry(): void;
  close(): void;
}

export function createTypingTracker(options: { context: ClientContext }): TypingTracker {
  const ctx = options.context;
  const sentAt = new Map<string, number>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timerAt: number | undefined;

  function scheduleExpiry(): void {
    const at = nextTypingExpiry(ctx.state);
    if (at === timerAt) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    timerAt = at;
    if (at === undefined || ctx.closed) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        timerAt = undefined;
        ctx.setState(pruneTyping(ctx.state, ctx.now()));
        scheduleExpiry();
      },
      Math.max(0, at - ctx.now()),
    );
  }

  return {
    send(roomId) {
      if (ctx.transport.status !== 'connected') return;
      const t = ctx.now();
      if (t - (sentAt.get(roomId) ?? -Infinity) < Limits.typingIntervalMs) return;
      sentAt.set(roomId, t);
      ctx.transport.request('typing', { roomId }).catch(() => {});
    },
    scheduleExpiry,
    close() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
