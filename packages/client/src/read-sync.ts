import { readSpacingMs } from '@chatchat/protocol';
import { ChatClientError } from './chat-client-error.js';
import { applyOwnRead, type ChatState } from './chat-state.js';
import { retryAcrossReconnects, type ClientContext } from './client-context.js';
import { singleFlight, type Flight } from './single-flight.js';

export interface ReadSync {
  /** Moves my pointer to `seq` (default: the room's lastSeq) if that is forward; waits for the server. */
  markRead(roomId: string, seq?: number): Promise<void>;
  /** Reads not yet acknowledged are still mine: re-applied over a snapshot that predates their delivery. */
  reapply(state: ChatState): ChatState;
  /** The room left my list: nothing to send for it any more. */
  forget(roomId: string): void;
}

export function createReadSync(options: { context: ClientContext }): ReadSync {
  const ctx = options.context;
  /** roomId → the highest seq asked for and not yet acknowledged. */
  const pending = new Map<string, number>();
  const flights = new Map<string, Flight>();
  /** roomId → when its last `room.read` went out (client clock). */
  const sentAt = new Map<string, number>();

  /** A big room's next move waits its spacing (what is shown here moved already); the newest goes then. */
  async function spaced(roomId: string): Promise<void> {
    const last = sentAt.get(roomId);
    if (last === undefined) return;
    const wait = last + readSpacingMs(ctx.state.rooms[roomId]?.memberCount ?? 0) - ctx.now();
    if (wait > 0) await ctx.sleep(wait);
  }

  function flush(roomId: string): Promise<void> {
    return singleFlight(flights, roomId, async () => {
      for (;;) {
        if (!pending.has(roomId)) return;
        await spaced(roomId);
        const seq = pending.get(roomId);
        if (seq === undefined) return;
        const attempt = async () => {
          await ctx.transport.whenConnected();
          if (!ctx.state.rooms[roomId]) return undefined;
          sentAt.set(roomId, ctx.now());
          return ctx.transport.request('room.read', { roomId, seq });
        };
        try {
          const reply = await ctx.retry(attempt, retryAcrossReconnects);
          if (pending.get(roomId) === seq) pending.delete(roomId);
          if (reply) ctx.setState(applyOwnRead(ctx.state, roomId, reply.lastReadSeq));
        } catch (err) {
          if (pending.get(roomId) === seq) pending.delete(roomId);
          throw err;
        }
      }
    });
  }

  return {
    markRead(roomId, seq) {
      if (ctx.closed) return Promise.reject(new ChatClientError('closed', 'client closed'));
      const room = ctx.state.rooms[roomId];
      if (!room) return Promise.reject(new ChatClientError('not_found', 'room not in your list'));
      // The server never moves a pointer past lastSeq; neither does the optimistic copy.
      const target = Math.min(seq ?? room.lastSeq, room.lastSeq);
      if (target <= room.lastReadSeq) return flights.get(roomId)?.promise ?? Promise.resolve();
      ctx.setState(applyOwnRead(ctx.state, roomId, target));
      pending.set(roomId, Math.max(pending.get(roomId) ?? 0, target));
      return flush(roomId);
    },
    reapply(state) {
      let next = state;
      for (const [roomId, seq] of pending) next = applyOwnRead(next, roomId, seq);
      return next;
    },
    forget(roomId) {
      pending.delete(roomId);
      sentAt.delete(roomId);
    },
  };
}
