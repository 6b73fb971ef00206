import type WebSocket from 'ws';
import { CloseCodes, type ErrorBody } from '@chatchat/protocol';
import type { RateLimiter } from './rate-limiter.js';
import { corkUntilDelivered, flushCork, writeWireFrame, type WireFrame } from './wire-frame.js';

export interface ConnectionOptions {
  id: string;
  socket: WebSocket;
  /** The client's address (the proxy's forwarded one when trusted), for per-address caps. */
  address: string;
  maxBufferedBytes: number;
  /** Until `hello` succeeds the socket has a bucket of its own; then it shares its user's. */
  limiter: RateLimiter;
  onSlowConsumer: (connection: Connection) => void;
}

type Close = { code: number; reason: string };

const noop = () => {};

/**
 * Where a socket is in its `hello`: `anonymous` until one arrives, `authenticating` from the
 * moment one is accepted until its reply is out (a second `hello` in either later state is
 * refused, whatever the first is waiting for), `ready` once the snapshot is sent.
 */
export type ConnectionState = 'anonymous' | 'authenticating' | 'ready';

/** One WebSocket, before and after `hello`. */
export class Connection {
  readonly id: string;
  readonly socket: WebSocket;
  readonly address: string;
  state: ConnectionState = 'anonymous';
  limiter: RateLimiter;
  /** Set as soon as the token is verified (the socket is routed from then on), before `ready`. */
  userId: string | null = null;
  sessionId: string | null = null;
  /** Rooms whose events this connection gets; kept live by the registry. */
  readonly rooms = new Set<string>();
  /** Heartbeat: cleared on each ping, set by any pong or request. */
  alive = true;
  /** Requests started and not yet replied to; drain waits for them, and they are capped. */
  inFlight = 0;
  closed = false;
  /** Until the hello reply is out, events queue here so the client sees the snapshot first. */
  private queued: WireFrame[] | null = [];
  /** Made on the first typing signal: most sockets never send one. */
  private typingAt: Map<string, number> | undefined;
  /** Closes the socket if `hello` has not succeeded in time; cleared once it has. */
  authTimer: NodeJS.Timeout | undefined;
  private sendChain: Promise<unknown> = Promise.resolve();
  private readonly maxBufferedBytes: number;
  private readonly onSlowConsumer: (connection: Connection) => void;

  constructor(options: ConnectionOptions) {
    this.id = options.id;
    this.socket = options.socket;
    this.address = options.address;
    this.maxBufferedBytes = options.maxBufferedBytes;
    this.onSlowConsumer = options.onSlowConsumer;
    this.limiter = options.limiter;
  }

  get authenticated(): boolean {
    return this.state === 'ready';
  }

  /** Sends an event (a wire frame built once for every recipient); queued until the hello reply. */
  sendEvent(frame: WireFrame): void {
    if (this.queued) this.queued.push(frame);
    else this.write(frame);
  }

  reply(re: string | null, data: unknown): void {
    // A closed socket's reply is never serialised: a large one would be built for nothing.
    if (!this.closed) this.write(JSON.stringify({ re, ok: true, data }));
  }

  replyError(re: string | null, error: ErrorBody): void {
    if (!this.closed) this.write(JSON.stringify({ re, ok: false, error }));
  }

  /** After the hello reply: everything queued goes out in order, then events flow directly. */
  release(): void {
    const queued = this.queued ?? [];
    this.queued = null;
    for (const frame of queued) this.write(frame);
  }

  /** Runs `task` after every earlier `inOrder` task of this connection has settled. */
  inOrder<T>(task: () => Promise<T>): Promise<T> {
    const run = this.sendChain.then(task, task);
    // Settled with nothing: `run.catch()` would pass the task's result through and keep it
    // (a whole hello snapshot) alive for as long as the socket is idle.
    this.sendChain = run.then(noop, noop);
    return run;
  }

  /** Typing is throttled per room on the server too; extras are dropped. */
  allowTyping(roomId: string, intervalMs: number): boolean {
    const now = Date.now();
    this.typingAt ??= new Map();
    if (now - (this.typingAt.get(roomId) ?? 0) < intervalMs) return false;
    this.typingAt.set(roomId, now);
    return true;
  }

  close({ code, reason }: Close): void {
    if (this.closed) return;
    this.closed = true;
    this.queued = null;
    this.socket.close(code, reason);
    // A peer that never finishes the close handshake must not hold the socket for ws's 30 s;
    // 10 s lets a slow reader drain what is queued ahead of the close frame and see the code.
    setTimeout(() => this.socket.terminate(), 10_000).unref();
  }

  private fits(size: number): boolean {
    const fitsNow = () => {
      const buffered = this.socket.bufferedAmount;
      return buffered === 0 || buffered + size <= this.maxBufferedBytes;
    };
    // What a cork holds is not the reader's backlog yet: the kernel may take it all.
    return fitsNow() || (flushCork(this.socket) && fitsNow());
  }

  private write(frame: string | WireFrame): void {
    if (this.closed) return;
    // The frame counts before it is written, so a socket never holds more than the limit
    // (one frame larger than the limit goes out only onto an empty buffer, or could never go).
    const size = typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length;
    if (!this.fits(size)) {
      this.onSlowConsumer(this);
      this.close(CloseCodes.SlowConsumer);
      return;
    }
    if (typeof frame === 'string') {
      // Replies come in bursts per socket (a group commit answers every pipelined send at
      // once): corked, they leave in one syscall with the events published before them (a
      // send's own copy of message.created). Events are usually one per socket per turn,
      // where corking would only add work, so they go straight out (into the cork if a reply
      // opened one).
      corkUntilDelivered(this.socket);
      this.socket.send(frame);
    } else {
      writeWireFrame(this.socket, frame);
    }
  }
}
