import { Limits, type Message } from '@chatchat/protocol';
import { ChatClientError } from './chat-client-error.js';
import { addToOutbox, applyMessage, messagesOf, removeFromOutbox, type OutboxEntry } from './chat-state.js';
import { asClientError, retryAcrossReconnects, type ClientContext } from './client-context.js';
import { timeOrderedId } from './random-id.js';
import { singleFlight, type Flight } from './single-flight.js';

export interface OutboxOptions {
  context: ClientContext;
  /** After an acknowledgement: the reply may reveal a gap below the new message. */
  onAcknowledged(roomId: string): void;
}

export interface Outbox {
  /** Queues and sends; resolves once the server acknowledged (after reconnects if need be). */
  send(roomId: string, body: string, options?: { replyTo?: string; attachments?: readonly string[] }): Promise<Message>;
  /** Call on every state change: sends whose entry left the outbox settle. */
  settle(): void;
  /** Rejects every waiting send with `closed`. */
  close(): void;
}

interface Waiter {
  roomId: string;
  resolve: (m: Message) => void;
  reject: (e: ChatClientError) => void;
}

export function createOutbox(options: OutboxOptions): Outbox {
  const ctx = options.context;
  const waiters = new Map<string, Waiter>();
  /** Outcome of a send decided by the pump, read when its outbox entry disappears. */
  const outcomes = new Map<string, Message | ChatClientError>();
  const pumps = new Map<string, Flight>();

  function findOwnMessage(roomId: string, clientMsgId: string): Message | undefined {
    const list = messagesOf(ctx.state, roomId);
    const me = ctx.state.me?.id;
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.clientMsgId === clientMsgId && list[i]!.senderId === me) return list[i];
    return undefined;
  }

  /** Ends an entry's life in the outbox with the server's message or an error; settle() tells its waiter. */
  function decide(entry: OutboxEntry, outcome: Message | ChatClientError): void {
    outcomes.set(entry.clientMsgId, outcome);
    const state = outcome instanceof ChatClientError ? ctx.state : applyMessage(ctx.state, outcome);
    ctx.setState(removeFromOutbox(state, entry.clientMsgId));
    outcomes.delete(entry.clientMsgId);
  }

  /** One loop per room sends its outbox in order; it waits out disconnects and resends with the same clientMsgId. */
  function pump(roomId: string): void {
    void singleFlight(pumps, roomId, async () => {
      for (;;) {
        const entry = ctx.state.outbox.find((e) => e.roomId === roomId);
        if (!entry) return;
        const attempt = async () => {
          await ctx.transport.whenConnected();
          // Acknowledged by its event meanwhile, or the room went away.
          if (!ctx.state.outbox.includes(entry)) return undefined;
          const request = {
            roomId,
            clientMsgId: entry.clientMsgId,
            ...(entry.body ? { body: entry.body } : {}),
            ...(entry.replyTo !== undefined ? { replyTo: entry.replyTo } : {}),
            ...(entry.attachments?.length ? { attachments: [...entry.attachments] } : {}),
          };
          return (await ctx.transport.request('message.send', request)).message;
        };
        let message: Message | undefined;
        try {
          message = await ctx.retry(attempt, retryAcrossReconnects);
        } catch (err) {
          if (ctx.closed) return;
          decide(entry, asClientError(err));
          continue;
        }
        if (!message) continue;
        decide(entry, message);
        options.onAcknowledged(roomId);
      }
    });
  }

  return {
    send(roomId, body, { replyTo, attachments = [] } = {}) {
      if (ctx.closed) return Promise.reject(new ChatClientError('closed', 'client closed'));
      if ((body.length === 0 && attachments.length === 0) || body.length > Limits.maxMessageChars) {
        return Promise.reject(new ChatClientError('invalid', `body must be 1..${Limits.maxMessageChars} characters, or files sent`));
      }
      if (attachments.length > Limits.maxAttachmentsPerMessage) {
        return Promise.reject(new ChatClientError('invalid', `at most ${Limits.maxAttachmentsPerMessage} files per message`));
      }
      if (ctx.state.me && !ctx.state.rooms[roomId]) return Promise.reject(new ChatClientError('not_found', 'room not in your list'));
      const entry: OutboxEntry = {
        clientMsgId: timeOrderedId(),
        roomId,
        body,
        createdAt: ctx.now(),
        ...(replyTo !== undefined ? { replyTo } : {}),
        ...(attachments.length > 0 ? { attachments: [...attachments] } : {}),
      };
      const done = new Promise<Message>((resolve, reject) => waiters.set(entry.clientMsgId, { roomId, resolve, reject }));
      ctx.setState(addToOutbox(ctx.state, entry));
      pump(roomId);
      return done;
    },
    /** A send settles when its outbox entry leaves the state: acknowledged, failed, or its room went away. */
    settle() {
      if (waiters.size === 0) return;
      const queued = new Set(ctx.state.outbox.map((e) => e.clientMsgId));
      for (const [id, waiter] of waiters) {
        if (queued.has(id)) continue;
        waiters.delete(id);
        const outcome = outcomes.get(id) ?? findOwnMessage(waiter.roomId, id);
        outcomes.delete(id);
        if (outcome instanceof ChatClientError) waiter.reject(outcome);
        else if (outcome) waiter.resolve(outcome);
        else waiter.reject(new ChatClientError('forbidden', 'the room left your list before the message was sent'));
      }
    },
    close() {
      const err = new ChatClientError('closed', 'client closed');
      for (const waiter of waiters.values()) waiter.reject(err);
      waiters.clear();
    },
  };
}
