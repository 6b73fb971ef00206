import { Limits } from '@chatchat/protocol';
import { applyHistory } from './chat-state.js';
import { retryWhileConnected, type ClientContext } from './client-context.js';
import { gapOf } from './message-window.js';
import { singleFlight, type Flight } from './single-flight.js';

export interface GapFillerOptions {
  context: ClientContext;
  /** How long a gap seen in live events may wait for the missing event before it is fetched. */
  graceMs: number;
}

export interface GapFiller {
  /** Fetches forward from the highest contiguous seq until the room's newest known seq is held. */
  fill(roomId: string): Promise<void>;
  /** After a live event: fill the room's gap once the grace period passed without the missing event. */
  check(roomId: string): void;
  /** Loaded rooms with a gap now (the resync after a reconnect fills them). */
  roomsWithGaps(): string[];
  /** Drops pending grace timers (a new snapshot makes them moot). */
  cancelTimers(): void;
}

export function createGapFiller(options: GapFillerOptions): GapFiller {
  const ctx = options.context;
  const fills = new Map<string, Flight>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

  function gapIn(roomId: string) {
    const window = ctx.state.windows[roomId];
    const room = ctx.state.rooms[roomId];
    return window && room ? gapOf(window, room.lastSeq) : undefined;
  }

  function fill(roomId: string): Promise<void> {
    return singleFlight(fills, roomId, async () => {
      for (;;) {
        const gap = gapIn(roomId);
        if (!gap || ctx.closed) return;
        const page = () => ctx.transport.request('message.list', { roomId, afterSeq: gap.afterSeq, limit: Limits.maxHistoryPage });
        const reply = await ctx.retry(page, retryWhileConnected).catch(() => undefined);
        if (!reply) return;
        const { messages } = reply;
        ctx.setState(applyHistory(ctx.state, roomId, messages, false, reply.reactions));
        // No progress means the server has nothing at afterSeq + 1; stop rather than spin.
        if (messages.length === 0 || (ctx.state.windows[roomId]?.contiguousSeq ?? 0) <= gap.afterSeq) return;
      }
    });
  }

  return {
    fill,
    check(roomId) {
      if (timers.has(roomId) || fills.has(roomId) || !gapIn(roomId)) return;
      timers.set(
        roomId,
        setTimeout(() => {
          timers.delete(roomId);
          void fill(roomId);
        }, options.graceMs),
      );
    },
    roomsWithGaps: () => Object.keys(ctx.state.windows).filter((id) => gapIn(id) !== undefined),
    cancelTimers() {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
    },
  };
}
