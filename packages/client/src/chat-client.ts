import {
  Limits, type Announcement, type EventData, type EventName, type Member, type Message, type OpData, type OpName,
  type OpReply, type Presence, type Room, type ServerEvent, type User,
} from '@chatchat/protocol';
import type { BackoffOptions } from './backoff.js';
import { ChatClientError, isRetryable } from './chat-client-error.js';
import {
  addToOutbox, applyEvent, applyHistory, applyMembers, applyMessage, applyMessageUpdate, applyOwnRead, applySnapshot,
  createChatState, hasMessage, messagesOf, nextTypingExpiry, pendingOf, pruneTyping, readCount, removeFromOutbox, roomList,
  totalUnread, typingUsers, type ChatState, type HelloSnapshot, type OutboxEntry,
} from './chat-state.js';
import { createEmitter, type Unsubscribe } from './emitter.js';
import { createHttpApi, type HttpApi } from './http-api.js';
import { gapOf, lowestSeq } from './message-window.js';
import { randomId } from './random-id.js';
import {
  createTransport, type DisconnectInfo, type RequestOptions, type TransportStatus, type WebSocketConstructor,
} from './transport.js';

export interface ChatClientOptions {
  /** http(s) base of the server, e.g. `http://127.0.0.1:8080`; the socket goes to `/ws` under it. */
  url: string;
  /** A fixed access token. Without getToken, a 4401 stops the client with an `error` event. */
  token?: string;
  /** Called before each (re)connect, and for HTTP calls through `client.api`. */
  getToken?: () => Promise<string>;
  /** Defaults to globalThis.WebSocket (Node 20 has none: pass `ws`). */
  WebSocket?: WebSocketConstructor;
  /** Defaults to globalThis.fetch; used by `client.api`. */
  fetch?: typeof fetch;
  /** Default 10 000 ms. */
  requestTimeoutMs?: number;
  /** Default { initialMs: 250, maxMs: 10 000 }, full jitter. */
  backoff?: BackoffOptions;
  /** Default true. */
  autoReconnect?: boolean;
  /** Client-side `ping` op interval for dead-network detection; default 30 000 ms, 0 disables. */
  pingIntervalMs?: number;
  /**
   * How long a gap seen in live events may wait for the missing event before it is fetched
   * (events of one room can arrive out of order across gateway processes). Default 100 ms.
   */
  gapGraceMs?: number;
  /** Client clock in ms; injectable for tests. Default Date.now. */
  now?: () => number;
}

/** Sent when a message from someone else lands in one of my rooms (browser notifications). */
export interface UnreadSignal {
  room: Room;
  message: Message;
  totalUnread: number;
}

export interface LifecycleEvents {
  /** Every successful hello, with its snapshot, after the state took it. */
  connected: HelloSnapshot;
  disconnected: DisconnectInfo;
  reconnecting: { attempt: number; delayMs: number };
  /** After each `connected`: gaps of loaded rooms are filled and on-demand readers reloaded. */
  resynced: { roomIds: string[] };
  /** The client stopped and needs its owner (unauthorized without getToken). */
  error: ChatClientError;
  unread: UnreadSignal;
  /** The state changed (any cause); the argument is the new state. */
  change: ChatState;
}

/** Lifecycle events plus every server event by name, delivered after the state applied it. */
export type ChatClientEvents = LifecycleEvents & { [K in EventName]: EventData<K> };
export type ChatClientEventName = keyof ChatClientEvents;

export interface LoadHistoryOptions {
  /** Load messages before this seq. Default: before the oldest loaded one, or the newest page when none is loaded. */
  beforeSeq?: number;
  /** Default 50, at most Limits.maxHistoryPage. */
  limit?: number;
}

export interface ChatClient {
  readonly status: TransportStatus;
  /** The HTTP API with this client's url, fetch and token. */
  readonly api: HttpApi;
  /** Starts the connection (idempotent); resolves with the first snapshot. */
  connect(): Promise<HelloSnapshot>;
  /** Reconnect now (e.g. the browser came back online). */
  reconnect(): void;
  /** Stops everything; pending sends and reads reject with `closed`. The state stays readable. */
  close(): void;
  request<K extends OpName>(op: K, data: OpData<K>, options?: RequestOptions): Promise<OpReply<K>>;
  on<E extends ChatClientEventName>(ev: E, handler: (data: ChatClientEvents[E]) => void): Unsubscribe;

  getState(): ChatState;
  me(): User | null;
  /** Newest activity first. */
  rooms(): Room[];
  room(roomId: string): Room | undefined;
  user(userId: string): User | undefined;
  presence(userId: string): Presence | undefined;
  /** Member pointers, or undefined while not loaded (see loadReaders). */
  readers(roomId: string): Member[] | undefined;
  typingUsers(roomId: string): string[];
  announcements(): readonly Announcement[];
  totalUnread(): number;
  /** Loaded messages, ascending by seq, one per seq. */
  messages(roomId: string): readonly Message[];
  /** Sends not yet acknowledged, oldest first (show them as "sending"). */
  pending(roomId: string): OutboxEntry[];
  hasMoreHistory(roomId: string): boolean;
  /** See `readCount` in chat-state.ts: members who were there at `seq` and have not read it. */
  readCount(roomId: string, seq: number): number | undefined;

  loadReaders(roomId: string): Promise<Member[]>;
  loadHistory(roomId: string, options?: LoadHistoryOptions): Promise<Message[]>;
  /** Queues and sends; resolves once the server acknowledged (after reconnects if need be). */
  send(roomId: string, body: string): Promise<Message>;
  edit(messageId: string, body: string): Promise<Message>;
  delete(messageId: string): Promise<Message>;
  /** Moves my pointer to `seq` (default: the room's lastSeq) if that is forward; waits for the server. */
  markRead(roomId: string, seq?: number): Promise<void>;
  /** Tells the room I am typing; throttled to Limits.typingIntervalMs per room, dropped when offline. */
  typing(roomId: string): void;
}

/** Failures (other than disconnects) after which a send or read gives up. */
const maxAttempts = 5;
/** Gap fills and reader reloads in flight at once after a reconnect. */
const resyncConcurrency = 4;

export function createChatClient(options: ChatClientOptions): ChatClient {
  const now = options.now ?? Date.now;
  const gapGraceMs = options.gapGraceMs ?? 100;
  const fixedToken = options.token;
  const getToken = options.getToken
    ?? (() => (fixedToken ? Promise.resolve(fixedToken) : Promise.reject(new ChatClientError('unauthorized', 'no token given'))));
  const transport = createTransport({
    url: options.url,
    getToken,
    canRefreshToken: options.getToken !== undefined,
    WebSocket: options.WebSocket,
    requestTimeoutMs: options.requestTimeoutMs,
    backoff: options.backoff,
    autoReconnect: options.autoReconnect,
    pingIntervalMs: options.pingIntervalMs,
    now,
  });
  const emitter = createEmitter<ChatClientEvents>();
  let api: HttpApi | undefined;

  let state = createChatState();
  let closed = false;
  let syncGeneration = 0;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  let typingTimerAt: number | undefined;
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const sendWaiters = new Map<string, { roomId: string; resolve: (m: Message) => void; reject: (e: ChatClientError) => void }>();
  /** Outcome of a send decided by the pump, read when its outbox entry disappears. */
  const sendOutcome = new Map<string, Message | ChatClientError>();
  const pumps = new Map<string, Promise<void>>();
  const pendingReads = new Map<string, number>();
  const readFlights = new Map<string, Promise<void>>();
  const fills = new Map<string, Promise<void>>();
  const gapTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Rooms too big for the snapshot's readers whose pointers were asked for: reloaded on reconnect. */
  const onDemandReaders = new Set<string>();
  const typingSentAt = new Map<string, number>();

  function delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });
  }

  function retryDelay(failures: number): number {
    return Math.min(10_000, 250 * 2 ** failures);
  }

  function findOwnMessage(roomId: string, clientMsgId: string): Message | undefined {
    const list = messagesOf(state, roomId);
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.clientMsgId === clientMsgId && list[i]!.senderId === state.me?.id) return list[i];
    return undefined;
  }

  /** A send settles when its outbox entry leaves the state: acknowledged, failed, or its room went away. */
  function settleSends(): void {
    if (sendWaiters.size === 0) return;
    const queued = new Set(state.outbox.map((e) => e.clientMsgId));
    for (const [id, waiter] of sendWaiters) {
      if (queued.has(id)) continue;
      sendWaiters.delete(id);
      const outcome = sendOutcome.get(id) ?? findOwnMessage(waiter.roomId, id);
      sendOutcome.delete(id);
      if (outcome instanceof ChatClientError) waiter.reject(outcome);
      else if (outcome) waiter.resolve(outcome);
      else waiter.reject(new ChatClientError('forbidden', 'the room left your list before the message was sent'));
    }
  }

  function scheduleTypingExpiry(): void {
    const at = nextTypingExpiry(state);
    if (at === typingTimerAt) return;
    if (typingTimer) clearTimeout(typingTimer);
    typingTimer = undefined;
    typingTimerAt = at;
    if (at === undefined || closed) return;
    typingTimer = setTimeout(() => {
      typingTimer = undefined;
      typingTimerAt = undefined;
      setState(pruneTyping(state, now()));
      scheduleTypingExpiry();
    }, Math.max(0, at - now()));
  }

  function setState(next: ChatState): void {
    if (next === state) return;
    state = next;
    settleSends();
    scheduleTypingExpiry();
    emitter.emit('change', state);
  }

  // ---- gaps ----

  /** Fetches forward from the highest contiguous seq until the room's newest known seq is held. */
  function fillGap(roomId: string): Promise<void> {
    const running = fills.get(roomId);
    if (running) return running;
    const run = (async () => {
      let failures = 0;
      try {
        for (;;) {
          const window = state.windows[roomId];
          const room = state.rooms[roomId];
          if (!window || !room || closed) return;
          const gap = gapOf(window, room.lastSeq);
          if (!gap) return;
          let messages: Message[];
          try {
            ({ messages } = await transport.request('message.list', { roomId, afterSeq: gap.afterSeq, limit: Limits.maxHistoryPage }));
          } catch (err) {
            // Rate limits and timeouts are worth waiting out; a disconnect is left to the resync after the reconnect.
            if ((err as ChatClientError).code === 'disconnected' || !isRetryable(err) || ++failures >= maxAttempts) return;
            await delay(retryDelay(failures));
            continue;
          }
          failures = 0;
          setState(applyHistory(state, roomId, messages));
          // No progress means the server has nothing at afterSeq + 1; stop rather than spin.
          if (messages.length === 0 || (state.windows[roomId]?.contiguousSeq ?? 0) <= gap.afterSeq) return;
        }
      } finally {
        fills.delete(roomId);
      }
    })();
    fills.set(roomId, run);
    return run;
  }

  function checkGap(roomId: string): void {
    if (gapTimers.has(roomId) || fills.has(roomId)) return;
    const window = state.windows[roomId];
    const room = state.rooms[roomId];
    if (!window || !room || !gapOf(window, room.lastSeq)) return;
    const t = setTimeout(() => {
      gapTimers.delete(roomId);
      void fillGap(roomId);
    }, gapGraceMs);
    gapTimers.set(roomId, t);
  }

  async function resync(): Promise<void> {
    const generation = ++syncGeneration;
    const roomIds = Object.keys(state.windows).filter((id) => {
      const w = state.windows[id]!;
      const room = state.rooms[id];
      return room !== undefined && gapOf(w, room.lastSeq) !== undefined;
    });
    const readerRooms = [...onDemandReaders].filter((id) => state.rooms[id] && !state.readers[id]);
    const tasks = [...roomIds.map((id) => () => fillGap(id)), ...readerRooms.map((id) => () => loadReaders(id).then(() => {}))];
    // A user with many open rooms must not fire them all at once into the server's rate limit.
    const worker = async () => {
      for (let task = tasks.shift(); task; task = tasks.shift()) await task().catch(() => {});
    };
    await Promise.all(Array.from({ length: Math.min(resyncConcurrency, tasks.length) }, worker));
    if (generation === syncGeneration && transport.status === 'connected' && !closed) emitter.emit('resynced', { roomIds });
  }

  // ---- transport wiring ----

  transport.on('connected', (snapshot) => {
    let next = applySnapshot(state, snapshot);
    // Reads not yet acknowledged are still mine; the snapshot predates their delivery.
    for (const [roomId, seq] of pendingReads) next = applyOwnRead(next, roomId, seq);
    for (const id of onDemandReaders) if (!next.rooms[id]) onDemandReaders.delete(id);
    for (const [id, t] of gapTimers) {
      clearTimeout(t);
      gapTimers.delete(id);
    }
    setState(next);
    emitter.emit('connected', snapshot);
    void resync();
  });
  transport.on('disconnected', (info) => emitter.emit('disconnected', info));
  transport.on('reconnecting', (info) => emitter.emit('reconnecting', info));
  transport.on('error', (err) => emitter.emit('error', err));
  transport.on('event', (event) => handleEvent(event));

  function handleEvent(event: ServerEvent): void {
    const before = state;
    let unread: Message | undefined;
    if (event.ev === 'message.created') {
      const m = event.data.message;
      const room = before.rooms[m.roomId];
      if (room && before.me && m.senderId !== before.me.id && m.seq > room.lastReadSeq && !hasMessage(before, m.roomId, m.seq)) unread = m;
    }
    setState(applyEvent(state, event, now()));
    (emitter.emit as (ev: string, data: unknown) => void)(event.ev, event.data);

    switch (event.ev) {
      case 'message.created':
      case 'message.updated':
      case 'message.deleted':
        checkGap(event.data.message.roomId);
        break;
      case 'room.added':
        // Small rooms carry readers in the snapshot; a room that arrives live needs them fetched.
        if (event.data.room.memberCount <= Limits.snapshotReadersPerRoom) loadReaders(event.data.room.id).catch(() => {});
        break;
      case 'room.removed':
        onDemandReaders.delete(event.data.roomId);
        pendingReads.delete(event.data.roomId);
        break;
    }
    if (unread) {
      const room = state.rooms[unread.roomId];
      if (room) emitter.emit('unread', { room, message: unread, totalUnread: totalUnread(state) });
    }
  }

  // ---- outbox ----

  /** One loop per room sends its outbox in order; it waits out disconnects and resends with the same clientMsgId. */
  function pump(roomId: string): void {
    if (pumps.has(roomId)) return;
    const run = (async () => {
      let failures = 0;
      try {
        for (;;) {
          const entry = state.outbox.find((e) => e.roomId === roomId);
          if (!entry) return;
          try {
            await transport.whenConnected();
          } catch {
            return; // closed
          }
          if (!state.outbox.includes(entry)) continue; // acknowledged by its event, or the room went away
          try {
            const { message } = await transport.request('message.send', { roomId, body: entry.body, clientMsgId: entry.clientMsgId });
            failures = 0;
            sendOutcome.set(entry.clientMsgId, message);
            setState(removeFromOutbox(applyMessage(state, message), entry.clientMsgId));
            sendOutcome.delete(entry.clientMsgId);
            checkGap(roomId);
          } catch (err) {
            if (closed) return;
            const e = err instanceof ChatClientError ? err : new ChatClientError('internal', String(err));
            if (isRetryable(e) && (e.code === 'disconnected' || ++failures < maxAttempts)) {
              if (e.code !== 'disconnected') await delay(retryDelay(failures));
              continue;
            }
            failures = 0;
            sendOutcome.set(entry.clientMsgId, e);
            setState(removeFromOutbox(state, entry.clientMsgId));
            sendOutcome.delete(entry.clientMsgId);
          }
        }
      } finally {
        pumps.delete(roomId);
      }
    })();
    pumps.set(roomId, run);
  }

  function send(roomId: string, body: string): Promise<Message> {
    if (closed) return Promise.reject(new ChatClientError('closed', 'client closed'));
    if (body.length === 0 || body.length > Limits.maxMessageChars) {
      return Promise.reject(new ChatClientError('invalid', `body must be 1..${Limits.maxMessageChars} characters`));
    }
    if (state.me && !state.rooms[roomId]) return Promise.reject(new ChatClientError('not_found', 'room not in your list'));
    const entry: OutboxEntry = { clientMsgId: randomId(), roomId, body, createdAt: now() };
    const done = new Promise<Message>((resolve, reject) => sendWaiters.set(entry.clientMsgId, { roomId, resolve, reject }));
    setState(addToOutbox(state, entry));
    pump(roomId);
    return done;
  }

  // ---- reads ----

  function flushRead(roomId: string): Promise<void> {
    const running = readFlights.get(roomId);
    if (running) return running;
    const run = (async () => {
      let failures = 0;
      try {
        for (;;) {
          const seq = pendingReads.get(roomId);
          if (seq === undefined) return;
          await transport.whenConnected();
          if (!state.rooms[roomId]) {
            pendingReads.delete(roomId);
            return;
          }
          try {
            const reply = await transport.request('room.read', { roomId, seq });
            if (pendingReads.get(roomId) === seq) pendingReads.delete(roomId);
            setState(applyOwnRead(state, roomId, reply.lastReadSeq));
          } catch (err) {
            if (isRetryable(err) && ((err as ChatClientError).code === 'disconnected' || ++failures < maxAttempts)) {
              if ((err as ChatClientError).code !== 'disconnected') await delay(retryDelay(failures));
              continue;
            }
            if (pendingReads.get(roomId) === seq) pendingReads.delete(roomId);
            throw err;
          }
        }
      } finally {
        readFlights.delete(roomId);
      }
    })();
    readFlights.set(roomId, run);
    return run;
  }

  function markRead(roomId: string, seq?: number): Promise<void> {
    if (closed) return Promise.reject(new ChatClientError('closed', 'client closed'));
    const room = state.rooms[roomId];
    if (!room) return Promise.reject(new ChatClientError('not_found', 'room not in your list'));
    // The server never moves a pointer past lastSeq; neither does the optimistic copy.
    const target = Math.min(seq ?? room.lastSeq, room.lastSeq);
    if (target <= room.lastReadSeq) return readFlights.get(roomId) ?? Promise.resolve();
    setState(applyOwnRead(state, roomId, target));
    pendingReads.set(roomId, Math.max(pendingReads.get(roomId) ?? 0, target));
    return flushRead(roomId);
  }

  // ---- readers, history ----

  async function loadReaders(roomId: string): Promise<Member[]> {
    const reply = await transport.request('room.members', { roomId });
    setState(applyMembers(state, roomId, reply.members, reply.users));
    if (reply.members.length > Limits.snapshotReadersPerRoom) onDemandReaders.add(roomId);
    return Object.values(state.readers[roomId] ?? {});
  }

  async function loadHistory(roomId: string, opts: LoadHistoryOptions = {}): Promise<Message[]> {
    const limit = Math.min(Limits.maxHistoryPage, Math.max(1, opts.limit ?? 50));
    const window = state.windows[roomId];
    const oldest = window ? lowestSeq(window) : undefined;
    const beforeSeq = opts.beforeSeq ?? oldest;
    // Only a page that extends the window downwards says anything about the start.
    const extendsDown = beforeSeq === undefined || beforeSeq === oldest;
    if (beforeSeq !== undefined && beforeSeq <= 1) {
      if (extendsDown) setState(applyHistory(state, roomId, [], true));
      return [];
    }
    const { messages } = await transport.request('message.list', { roomId, limit, ...(beforeSeq !== undefined ? { beforeSeq } : {}) });
    const reachedStart = extendsDown && (messages.length < limit || messages[0]?.seq === 1);
    setState(applyHistory(state, roomId, messages, reachedStart));
    return messages;
  }

  return {
    get status() {
      return transport.status;
    },
    get api() {
      return (api ??= createHttpApi({ url: options.url, fetch: options.fetch, getToken }));
    },
    connect: () => transport.connect(),
    reconnect: () => transport.reconnect(),
    close() {
      if (closed) return;
      closed = true;
      transport.close();
      if (typingTimer) clearTimeout(typingTimer);
      typingTimer = undefined;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const t of gapTimers.values()) clearTimeout(t);
      gapTimers.clear();
      const err = new ChatClientError('closed', 'client closed');
      for (const waiter of sendWaiters.values()) waiter.reject(err);
      sendWaiters.clear();
    },
    request: (op, data, opts) => transport.request(op, data, opts),
    on: emitter.on,

    getState: () => state,
    me: () => state.me,
    rooms: () => roomList(state),
    room: (roomId) => state.rooms[roomId],
    user: (userId) => state.users[userId],
    presence: (userId) => state.presence[userId],
    readers: (roomId) => {
      const r = state.readers[roomId];
      return r ? Object.values(r) : undefined;
    },
    typingUsers: (roomId) => typingUsers(state, roomId, now()),
    announcements: () => state.announcements,
    totalUnread: () => totalUnread(state),
    messages: (roomId) => messagesOf(state, roomId),
    pending: (roomId) => pendingOf(state, roomId),
    hasMoreHistory: (roomId) => !(state.windows[roomId]?.reachedStart ?? false),
    readCount: (roomId, seq) => readCount(state, roomId, seq),

    loadReaders,
    loadHistory,
    send,
    async edit(messageId, body) {
      const { message } = await transport.request('message.edit', { messageId, body });
      setState(applyMessageUpdate(state, message));
      return message;
    },
    async delete(messageId) {
      const { message } = await transport.request('message.delete', { messageId });
      setState(applyMessageUpdate(state, message));
      return message;
    },
    markRead,
    typing(roomId) {
      if (transport.status !== 'connected') return;
      const t = now();
      if (t - (typingSentAt.get(roomId) ?? -Infinity) < Limits.typingIntervalMs) return;
      typingSentAt.set(roomId, t);
      transport.request('typing', { roomId }).catch(() => {});
    },
  };
}
