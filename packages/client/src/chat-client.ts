import {
  Limits,
  type Announcement,
  type EventData,
  type EventName,
  type Member,
  type Message,
  type OpData,
  type OpName,
  type OpReply,
  type Presence,
  type ReactionCount,
  type Room,
  type ServerEvent,
  type User,
} from '@chatchat/protocol';
import { createBackoff, type BackoffOptions } from './backoff.js';
import { ChatClientError } from './chat-client-error.js';
import {
  applyEvent,
  applyHistory,
  applyMembers,
  applyMessageUpdate,
  applySnapshot,
  createChatState,
  hasMessage,
  messagesOf,
  pendingOf,
  reactionsOf,
  readCount,
  roomList,
  totalMentions,
  totalUnread,
  typingUsers,
  type ChatState,
  type HelloSnapshot,
  type OutboxEntry,
} from './chat-state.js';
import { createConversationApi, type ConversationApi } from './conversation-api.js';
import { notifies } from './conversation-state.js';
import { maxAttempts, retryWhileConnected, type ClientContext } from './client-context.js';
import { createEmitter, type Unsubscribe } from './emitter.js';
import { createGapFiller } from './gap-filler.js';
import { createHttpApi, type HttpApi } from './http-api.js';
import { uploadFile, type UploadOptions } from './upload.js';
import { lowestSeq } from './message-window.js';
import { createOutbox } from './outbox.js';
import { createReadSync } from './read-sync.js';
import { retry } from './retry.js';
import { createTypingTracker } from './typing-tracker.js';
import { createTransport, type DisconnectInfo, type RequestOptions, type TransportStatus, type WebSocketConstructor } from './transport.js';

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

/**
 * Sent when a message from someone else lands in one of my rooms and my settings say it should
 * notify (browser notifications): every message with `notify: 'all'` unless muted, mentions of
 * me with `all` or `mentions` even while muted, nothing with `none`.
 */
export interface UnreadSignal {
  room: Room;
  message: Message;
  totalUnread: number;
  /** The message mentions me (by name or `@all`). */
  mentioned: boolean;
  totalMentions: number;
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

export interface SendOptions {
  /** Id of a message of the same room this one answers; the stored message carries its quote. */
  replyTo?: string;
  /** Completed upload ids (`client.upload`); with files the body may be empty. */
  attachments?: readonly string[];
}

export interface ChatClient extends ConversationApi {
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
  /** Unread mentions over all rooms (each room's own is `room(id).mentionCount`). */
  totalMentions(): number;
  /** Reaction counts of a loaded message as I see them, in order of first use. */
  reactions(roomId: string, messageId: string): readonly ReactionCount[];
  /** Loaded messages, ascending by seq, one per seq. */
  messages(roomId: string): readonly Message[];
  /** Sends not yet acknowledged, oldest first (show them as "sending"). */
  pending(roomId: string): OutboxEntry[];
  hasMoreHistory(roomId: string): boolean;
  /** See `readCount` in chat-state.ts: members who were there at `seq` and have not read it. */
  readCount(roomId: string, seq: number): number | undefined;

  /**
   * Loads the room's read pointers (and its members' profiles and presence) and keeps them:
   * live from then on, and back after every reconnect. Call it for a room you show.
   */
  loadReaders(roomId: string): Promise<Member[]>;
  loadHistory(roomId: string, options?: LoadHistoryOptions): Promise<Message[]>;
  /** Queues and sends; resolves once the server acknowledged (after reconnects if need be). */
  send(roomId: string, body: string, options?: SendOptions): Promise<Message>;
  /** Uploads a file (Blob/File) and resolves with the upload id for `message.send`'s `attachments`. */
  upload(file: Blob, options?: UploadOptions): Promise<string>;
  edit(messageId: string, body: string): Promise<Message>;
  delete(messageId: string): Promise<Message>;
  /** Moves my pointer to `seq` (default: the room's lastSeq) if that is forward; waits for the server. */
  markRead(roomId: string, seq?: number): Promise<void>;
  /** Tells the room I am typing; throttled to Limits.typingIntervalMs per room, dropped when offline. */
  typing(roomId: string): void;
}

/** Gap fills and reader reloads in flight at once after a reconnect. */
const resyncConcurrency = 4;

/**
 * The public client: wires the transport to one immutable state and to its parts (gap
 * filler, outbox, read sync, typing tracker), each in its own file.
 */
export function createChatClient(options: ChatClientOptions): ChatClient {
  const now = options.now ?? Date.now;
  const fixedToken = options.token;
  const getToken =
    options.getToken ??
    (() => (fixedToken ? Promise.resolve(fixedToken) : Promise.reject(new ChatClientError('unauthorized', 'no token given'))));
  const transport = createTransport({
    url: options.url,
    getToken,
    canRefreshToken: options.getToken !== undefined,
    // The rooms whose pointers we keep, newest first, if the snapshot may carry them (small rooms).
    helloReaders: () =>
      [...keptReaders]
        .reverse()
        .filter((id) => (state.rooms[id]?.memberCount ?? Infinity) <= Limits.snapshotReadersPerRoom)
        .slice(0, Limits.helloReaderRooms),
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
  const sleeps = new Set<ReturnType<typeof setTimeout>>();
  /**
   * Rooms whose read pointers were loaded, oldest first: kept live, asked for in each hello
   * (small ones, the newest few) and reloaded after it if the snapshot did not bring them.
   */
  const keptReaders = new Set<string>();

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        sleeps.delete(t);
        resolve();
      }, ms);
      sleeps.add(t);
    });
  }

  const context: ClientContext = {
    transport,
    now,
    get closed() {
      return closed;
    },
    get state() {
      return state;
    },
    setState,
    retry: (task, decide) => retry(task, { backoff: createBackoff(options.backoff), maxAttempts, decide, sleep }),
    sleep,
  };
  const gaps = createGapFiller({ context, graceMs: options.gapGraceMs ?? 100 });
  const outbox = createOutbox({ context, onAcknowledged: (roomId) => gaps.check(roomId) });
  const reads = createReadSync({ context });
  const typing = createTypingTracker({ context });
  const conversation = createConversationApi(context);

  function setState(next: ChatState): void {
    if (next === state) return;
    state = next;
    outbox.settle();
    typing.scheduleExpiry();
    emitter.emit('change', state);
  }

  async function resync(): Promise<void> {
    const generation = ++syncGeneration;
    const roomIds = gaps.roomsWithGaps();
    const readerRooms = [...keptReaders].filter((id) => state.rooms[id] && !state.readers[id]);
    // Reactions of held messages may have changed while away; the snapshot does not carry them.
    const reactionRooms = Object.keys(state.windows).filter((id) => state.rooms[id]);
    const tasks = [
      ...roomIds.map((id) => () => gaps.fill(id)),
      ...readerRooms.map((id) => () => loadReaders(id).then(() => {})),
      ...reactionRooms.map((id) => () => conversation.refreshReactions(id)),
    ];
    // A user with many open rooms must not fire them all at once into the server's rate limit,
    // and a task the limit (or a timeout) refuses is retried: the next chance would otherwise
    // be the next reconnect.
    const worker = async () => {
      for (let task = tasks.shift(); task; task = tasks.shift()) await context.retry(task, retryWhileConnected).catch(() => {});
    };
    await Promise.all(Array.from({ length: Math.min(resyncConcurrency, tasks.length) }, worker));
    if (generation === syncGeneration && transport.status === 'connected' && !closed) emitter.emit('resynced', { roomIds });
  }

  transport.on('connected', (snapshot) => {
    const next = reads.reapply(applySnapshot(state, snapshot));
    for (const id of keptReaders) if (!next.rooms[id]) keptReaders.delete(id);
    gaps.cancelTimers();
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
      if (
        room &&
        before.me &&
        m.senderId !== before.me.id &&
        m.seq > room.lastReadSeq &&
        !hasMessage(before, m.roomId, m.seq) &&
        notifies(room, m, before.me.id, now())
      )
        unread = m;
    }
    setState(applyEvent(state, event, now()));
    (emitter.emit as (ev: string, data: unknown) => void)(event.ev, event.data);

    switch (event.ev) {
      case 'message.created':
      case 'message.updated':
      case 'message.deleted':
        gaps.check(event.data.message.roomId);
        break;
      case 'room.removed':
        keptReaders.delete(event.data.roomId);
        reads.forget(event.data.roomId);
        break;
    }
    if (unread) {
      const room = state.rooms[unread.roomId];
      if (room) {
        const mentioned = room.mentionSeqs.includes(unread.seq);
        emitter.emit('unread', { room, message: unread, totalUnread: totalUnread(state), mentioned, totalMentions: totalMentions(state) });
      }
    }
  }

  async function loadReaders(roomId: string): Promise<Member[]> {
    const reply = await transport.request('room.members', { roomId });
    setState(applyMembers(state, roomId, reply.members, reply.users, reply.presence));
    keptReaders.delete(roomId);
    keptReaders.add(roomId);
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
    const { messages, reactions } = await transport.request('message.list', {
      roomId,
      limit,
      ...(beforeSeq !== undefined ? { beforeSeq } : {}),
    });
    const reachedStart = extendsDown && (messages.length < limit || messages[0]?.seq === 1);
    setState(applyHistory(state, roomId, messages, reachedStart, reactions));
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
      typing.close();
      for (const t of sleeps) clearTimeout(t);
      sleeps.clear();
      gaps.cancelTimers();
      outbox.close();
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
    totalMentions: () => totalMentions(state),
    reactions: (roomId, messageId) => reactionsOf(state, roomId, messageId),
    messages: (roomId) => messagesOf(state, roomId),
    pending: (roomId) => pendingOf(state, roomId),
    hasMoreHistory: (roomId) => !(state.windows[roomId]?.reachedStart ?? false),
    readCount: (roomId, seq) => readCount(state, roomId, seq),

    loadReaders,
    loadHistory,
    send: (roomId, body, opts) => outbox.send(roomId, body, opts),
    async upload(file, opts) {
      api ??= createHttpApi({ url: options.url, fetch: options.fetch, getToken });
      return (await uploadFile({ api, url: options.url, getToken, fetch: options.fetch }, file, opts)).id;
    },
    react: conversation.react,
    unreact: conversation.unreact,
    whoReacted: conversation.whoReacted,
    search: conversation.search,
    pin: conversation.pin,
    unpin: conversation.unpin,
    setRoomSettings: conversation.setRoomSettings,
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
    markRead: (roomId, seq) => reads.markRead(roomId, seq),
    typing: (roomId) => typing.send(roomId),
  };
}
