import {
  CloseCodes,
  Limits,
  isReply,
  type OpData,
  type OpName,
  type OpReply,
  type ServerEvent,
  type ServerFrame,
} from '@chatchat/protocol';
import { createBackoff, type BackoffOptions } from './backoff.js';
import { ChatClientError, retryAfterOf } from './chat-client-error.js';
import type { HelloSnapshot } from './chat-state.js';
import { createEmitter, type Unsubscribe } from './emitter.js';
import { wsUrlFrom } from './endpoint-urls.js';

/** The slice of the WHATWG WebSocket the SDK uses; browsers' and the `ws` package's both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // `any`: the browser's handlers take DOM events and `ws`'s its own classes; no other parameter type accepts both.
  // biome-ignore lint/suspicious/noExplicitAny: see above
  onopen: ((ev: any) => void) | null;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  onmessage: ((ev: any) => void) | null;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  onclose: ((ev: any) => void) | null;
  // biome-ignore lint/suspicious/noExplicitAny: see above
  onerror: ((ev: any) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/**
 * idle: not started, or stopped without reconnecting; connecting: socket opening or hello in
 * flight; connected: hello answered; waiting: backing off before the next attempt;
 * closed: close() was called (terminal).
 */
export type TransportStatus = 'idle' | 'connecting' | 'connected' | 'waiting' | 'closed';

export interface DisconnectInfo {
  /** The WebSocket close code (see CloseCodes), or the local one for a dead connection (4000) or unanswered hello (4408). */
  code: number;
  reason: string;
  willReconnect: boolean;
}

export interface TransportEvents {
  /** Hello answered; events that raced the reply are delivered right after this. */
  connected: HelloSnapshot;
  /** A connection that had reached `connected` ended. */
  disconnected: DisconnectInfo;
  /** The next attempt is scheduled. */
  reconnecting: { attempt: number; delayMs: number };
  event: ServerEvent;
  /** The transport stopped for a reason the owner must handle (unauthorized without getToken). */
  error: ChatClientError;
}

export interface TransportOptions {
  /** http(s) base of the server, or a ws(s) URL. */
  url: string;
  /** Called before every connection attempt. */
  getToken: () => Promise<string>;
  /** Rooms whose read pointers the hello snapshot should carry, asked at each hello. Default none. */
  helloReaders?: () => string[];
  /** False when getToken can only return the same token: a 4401 then stops instead of looping. */
  canRefreshToken: boolean;
  WebSocket?: WebSocketConstructor;
  /** Per request, and for socket open + hello. Default 10 000 ms. */
  requestTimeoutMs?: number;
  backoff?: BackoffOptions;
  /** Default true. */
  autoReconnect?: boolean;
  /**
   * `ping` op interval while connected, so a silently dead network is noticed (browsers do
   * not expose WS ping frames). Default 30 000 ms; 0 disables.
   */
  pingIntervalMs?: number;
  /** A connection that lived this long resets the backoff. Default 5 000 ms. */
  stableAfterMs?: number;
  now?: () => number;
}

export interface RequestOptions {
  timeoutMs?: number;
}

export interface Transport {
  readonly status: TransportStatus;
  /** The latest hello reply, if any connection succeeded. */
  readonly snapshot: HelloSnapshot | undefined;
  /**
   * Starts connecting if idle; resolves with the snapshot of the next (or current) connection.
   * Rejects when the transport stops first: `closed`, `unauthorized`, or `disconnected`
   * (autoReconnect off).
   */
  connect(): Promise<HelloSnapshot>;
  /** Rejects at once with `disconnected` when not connected: callers decide whether to wait. */
  request<K extends OpName>(op: K, data: OpData<K>, options?: RequestOptions): Promise<OpReply<K>>;
  /** Resolves once connected (after the `connected` handlers ran); rejects with `closed`. */
  whenConnected(): Promise<void>;
  /** Drops the current socket (or cuts the backoff short) and connects again now. */
  reconnect(): void;
  on<E extends keyof TransportEvents>(ev: E, handler: (data: TransportEvents[E]) => void): Unsubscribe;
  /** Stops everything: socket, timers, pending requests (rejected with `closed`). */
  close(): void;
}

interface Pending {
  /** Method syntax: each request's typed resolve fits (parameters are checked bivariantly). */
  resolve(data: unknown): void;
  reject: (err: ChatClientError) => void;
  timer: ReturnType<typeof setTimeout>;
}
interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (err: ChatClientError) => void;
}

const noop = () => {};
const encoder = new TextEncoder();

/** Closing code our own side uses when the hello reply refused the token. */
const unauthorizedCode = CloseCodes.Unauthorized.code;

export function createTransport(options: TransportOptions): Transport {
  const WS = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!WS) throw new ChatClientError('invalid', 'no WebSocket implementation: pass options.WebSocket');
  const wsUrl = wsUrlFrom(options.url);
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const pingIntervalMs = options.pingIntervalMs ?? 30_000;
  const stableAfterMs = options.stableAfterMs ?? 5_000;
  const autoReconnect = options.autoReconnect ?? true;
  const now = options.now ?? Date.now;
  const backoff = createBackoff(options.backoff);
  const emitter = createEmitter<TransportEvents>();

  let status: TransportStatus = 'idle';
  let snapshot: HelloSnapshot | undefined;
  let socket: WebSocketLike | undefined;
  // Every attempt gets a generation; callbacks of an abandoned socket see a stale one and do nothing.
  let generation = 0;
  let helloDone = false;
  let buffered: ServerEvent[] = [];
  let connectedAt: number | undefined;
  let nextId = 1;
  const pending = new Map<string, Pending>();
  let connectWaiters: Waiter<HelloSnapshot>[] = [];
  let readyWaiters: Waiter<void>[] = [];
  let openTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  function clearTimers(): void {
    if (openTimer) clearTimeout(openTimer);
    if (pingTimer) clearInterval(pingTimer);
    openTimer = pingTimer = undefined;
  }

  function rejectPending(err: ChatClientError): void {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    pending.clear();
  }

  function send<K extends OpName>(op: K, data: OpData<K>, timeoutMs: number): Promise<OpReply<K>> {
    return new Promise((resolve, reject) => {
      const ws = socket;
      if (!ws) return reject(new ChatClientError('disconnected', 'not connected'));
      const id = String(nextId++);
      const frame = JSON.stringify({ id, op, data });
      // An oversized frame makes the server close the socket (1009); refuse it here instead.
      if (frame.length * 3 > Limits.maxFrameBytes && encoder.encode(frame).length > Limits.maxFrameBytes) {
        return reject(new ChatClientError('too_large', `frame exceeds ${Limits.maxFrameBytes} bytes`));
      }
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new ChatClientError('timeout', `${op} got no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, { resolve, reject, timer });
      try {
        ws.send(frame);
      } catch {
        clearTimeout(timer);
        pending.delete(id);
        reject(new ChatClientError('disconnected', 'socket not open'));
      }
    });
  }

  function onFrame(gen: number, raw: unknown): void {
    if (gen !== generation || typeof raw !== 'string') return;
    let frame: ServerFrame;
    try {
      frame = JSON.parse(raw) as ServerFrame;
    } catch {
      return;
    }
    if (!frame || typeof frame !== 'object') return;
    if (isReply(frame)) {
      const re = String(frame.re);
      const p = pending.get(re);
      if (!p) return;
      pending.delete(re);
      clearTimeout(p.timer);
      if (frame.ok) p.resolve(frame.data);
      else {
        const { error } = frame;
        p.reject(new ChatClientError(error?.code ?? 'internal', error?.message ?? 'request failed', undefined, retryAfterOf(error)));
      }
    } else if (typeof (frame as ServerEvent).ev === 'string') {
      // Events that overtake the hello reply are applied after the snapshot, not before it.
      if (helloDone) emitter.emit('event', frame);
      else buffered.push(frame);
    }
  }

  function detach(ws: WebSocketLike): void {
    // No-ops rather than null: the `ws` package throws on an 'error' nobody listens to.
    ws.onopen = ws.onmessage = ws.onclose = ws.onerror = noop;
  }

  /** Gives up on the current socket now, without waiting for a close handshake that may never come. */
  /** `retryAfterMs`: a refused hello's return slot, which the next wait honours. */
  function abandon(gen: number, code: number, reason: string, retryAfterMs?: number): void {
    if (gen !== generation || !socket) return;
    const ws = socket;
    detach(ws);
    try {
      ws.close(code >= 4000 && code < 5000 ? code : 1000);
    } catch {
      // Already closing.
    }
    onClose(gen, code, reason, retryAfterMs);
  }

  function onConnected(gen: number, reply: HelloSnapshot): void {
    if (gen !== generation) return;
    clearTimers();
    helloDone = true;
    status = 'connected';
    snapshot = reply;
    connectedAt = now();
    emitter.emit('connected', reply);
    const early = buffered;
    buffered = [];
    for (const ev of early) emitter.emit('event', ev);
    const waiting = connectWaiters;
    const ready = readyWaiters;
    connectWaiters = [];
    readyWaiters = [];
    for (const w of waiting) w.resolve(reply);
    for (const w of ready) w.resolve();
    if (pingIntervalMs > 0) {
      pingTimer = setInterval(() => {
        send('ping', {}, requestTimeoutMs).catch((err: ChatClientError) => {
          if (err.code === 'timeout') abandon(gen, CloseCodes.HeartbeatTimeout.code, 'no reply to ping');
        });
      }, pingIntervalMs);
    }
  }

  function stop(err: ChatClientError): void {
    status = 'idle';
    const waiting = connectWaiters;
    connectWaiters = [];
    for (const w of waiting) w.reject(err);
  }

  function onClose(gen: number, code: number, reason: string, retryAfterMs?: number): void {
    if (gen !== generation) return;
    generation++;
    clearTimers();
    socket = undefined;
    const wasConnected = status === 'connected';
    helloDone = false;
    buffered = [];
    rejectPending(new ChatClientError('disconnected', `connection closed (${code})`));
    if (status === 'closed') return;
    if (connectedAt !== undefined && now() - connectedAt >= stableAfterMs) backoff.reset();
    connectedAt = undefined;

    if (code === unauthorizedCode && !options.canRefreshToken) {
      const err = new ChatClientError('unauthorized', reason || 'token rejected');
      if (wasConnected) emitter.emit('disconnected', { code, reason, willReconnect: false });
      stop(err);
      emitter.emit('error', err);
      return;
    }
    if (!autoReconnect) {
      if (wasConnected) emitter.emit('disconnected', { code, reason, willReconnect: false });
      stop(new ChatClientError('disconnected', `connection closed (${code})`));
      return;
    }
    // A draining server asks for an immediate move; only a connection that was up earns it,
    // so a server that keeps refusing still gets backoff.
    const delayMs = code === CloseCodes.Reconnect.code && wasConnected ? 0 : backoff.next(retryAfterMs);
    if (wasConnected) emitter.emit('disconnected', { code, reason, willReconnect: true });
    status = 'waiting';
    emitter.emit('reconnecting', { attempt: backoff.attempt, delayMs });
    if (status !== 'waiting') return; // a handler closed or reconnected us
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void attempt();
    }, delayMs);
  }

  async function attempt(): Promise<void> {
    const gen = ++generation;
    status = 'connecting';
    let token: string;
    try {
      token = await options.getToken();
    } catch (err) {
      if (gen !== generation) return;
      // A token source that says "unauthorized" (refresh token revoked) cannot recover by retrying.
      const code = err instanceof ChatClientError && err.code === 'unauthorized' ? unauthorizedCode : 1006;
      if (code === unauthorizedCode) {
        const e = err as ChatClientError;
        stop(e);
        emitter.emit('error', e);
        return;
      }
      onClose(gen, code, `getToken failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (gen !== generation) return;
    let ws: WebSocketLike;
    try {
      ws = new WS!(wsUrl);
    } catch (err) {
      onClose(gen, 1006, err instanceof Error ? err.message : String(err));
      return;
    }
    socket = ws;
    openTimer = setTimeout(() => abandon(gen, CloseCodes.AuthTimeout.code, 'no hello reply in time'), requestTimeoutMs);
    ws.onerror = noop; // a close event always follows
    ws.onmessage = (e: { data: unknown }) => onFrame(gen, e.data);
    ws.onclose = (e: { code?: number; reason?: string }) => onClose(gen, e.code ?? 1006, e.reason ?? '');
    ws.onopen = () => {
      if (gen !== generation) return;
      const readers = options.helloReaders?.() ?? [];
      send('hello', readers.length > 0 ? { token, readers } : { token }, requestTimeoutMs).then(
        (reply) => onConnected(gen, reply),
        (err: ChatClientError) => {
          if (err.code === 'disconnected') return; // onClose already ran
          const code =
            err.code === 'unauthorized' || err.code === 'invalid'
              ? unauthorizedCode
              : err.code === 'timeout'
                ? CloseCodes.AuthTimeout.code
                : err.code === 'rate_limited'
                  ? CloseCodes.TooManyConnections.code
                  : 1011;
          abandon(gen, code, err.message, err.retryAfterMs);
        },
      );
    };
  }

  function start(): void {
    if (status === 'idle') void attempt();
  }

  return {
    get status() {
      return status;
    },
    get snapshot() {
      return snapshot;
    },
    connect() {
      if (status === 'closed') return Promise.reject(new ChatClientError('closed', 'client closed'));
      if (status === 'connected' && snapshot) return Promise.resolve(snapshot);
      const p = new Promise<HelloSnapshot>((resolve, reject) => connectWaiters.push({ resolve, reject }));
      start();
      return p;
    },
    request(op, data, opts) {
      if (status !== 'connected')
        return Promise.reject(new ChatClientError(status === 'closed' ? 'closed' : 'disconnected', 'not connected'));
      return send(op, data, opts?.timeoutMs ?? requestTimeoutMs);
    },
    whenConnected() {
      if (status === 'closed') return Promise.reject(new ChatClientError('closed', 'client closed'));
      if (status === 'connected') return Promise.resolve();
      return new Promise<void>((resolve, reject) => readyWaiters.push({ resolve, reject }));
    },
    reconnect() {
      if (status === 'closed') return;
      if (status === 'waiting') {
        if (retryTimer) clearTimeout(retryTimer);
        retryTimer = undefined;
        void attempt();
      } else if (status === 'idle') {
        void attempt();
      } else {
        abandon(generation, CloseCodes.Reconnect.code, 'reconnect requested');
      }
    },
    on: emitter.on,
    close() {
      if (status === 'closed') return;
      const wasConnected = status === 'connected';
      status = 'closed';
      generation++;
      clearTimers();
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
      if (socket) {
        detach(socket);
        try {
          socket.close(1000, 'client closed');
        } catch {
          // Already closing.
        }
        socket = undefined;
      }
      const err = new ChatClientError('closed', 'client closed');
      rejectPending(err);
      const waiting = connectWaiters;
      const ready = readyWaiters;
      connectWaiters = [];
      readyWaiters = [];
      for (const w of waiting) w.reject(err);
      for (const w of ready) w.reject(err);
      if (wasConnected) emitter.emit('disconnected', { code: 1000, reason: 'client closed', willReconnect: false });
    },
  };
}
