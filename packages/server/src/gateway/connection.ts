import type WebSocket from 'ws';
import { CloseCodes, type ErrorBody } from '@chatchat/protocol';
import { RateLimiter } from './rate-limiter.js';
import { corkUntilNextTick, rawSocket, writeFrame, type PrebuiltFrame } from './ws-frame.js';

export interface ConnectionOptions {
  id: string;
  socket: WebSocket;
  maxBufferedBytes: number;
  rateLimitOpsPerSec: number;
  rateLimitBurst: number;
  onSlowConsumer: (connection: Connection) => void;
}

type Close = { code: number; reason: string };

/** One WebSocket, before and after `hello`. */
export class Connection {
  readonly id: string;
  readonly socket: WebSocket;
  readonly limiter: RateLimiter;
  userId: string | null = null;
  sessionId: string | null = null;
  /** Rooms whose events this connection gets; kept live by the registry. */
  readonly rooms = new Set<string>();
  /** Heartbeat: cleared on each ping, set by any pong or frame. */
  alive = true;
  /** Ops started and not yet replied to; drain waits for them. */
  inFlight = 0;
  closed = false;
  /** Until the hello reply is out, events queue here so the client sees the snapshot first. */
  private queued: PrebuiltFrame[] | null = [];
  private readonly typingAt = new Map<string, number>();
  private sendChain: Promise<unknown> = Promise.resolve();
  private readonly maxBufferedBytes: number;
  private readonly onSlowConsumer: (connection: Connection) => void;

  constructor(options: ConnectionOptions) {
    this.id = options.id;
    this.socket = options.socket;
    this.maxBufferedBytes = options.maxBufferedBytes;
    this.onSlowConsumer = options.onSlowConsumer;
    this.limiter = new RateLimiter(options.rateLimitOpsPerSec, options.rateLimitBurst);
  }

  get authenticated(): boolean {
    return this.userId !== null;
  }

  /** Sends an event (a frame built once for every recipient); queued until the hello reply. */
  sendEvent(frame: PrebuiltFrame): void {
    if (this.queued) this.queued.push(frame);
    else this.write(frame);
  }

  reply(re: string | null, data: unknown): void {
    this.write(JSON.stringify({ re, ok: true, data }));
  }

  replyError(re: string | null, error: ErrorBody): void {
    this.write(JSON.stringify({ re, ok: false, error }));
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
    this.sendChain = run.catch(() => undefined);
    return run;
  }

  /** Typing is throttled per room on the server too; extras are dropped. */
  allowTyping(roomId: string, intervalMs: number): boolean {
    const now = Date.now();
    if (now - (this.typingAt.get(roomId) ?? 0) < intervalMs) return false;
    this.typingAt.set(roomId, now);
    return true;
  }

  close({ code, reason }: Close): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason);
    // A peer that never finishes the close handshake must not hold the socket for ws's 30 s;
    // 10 s lets a slow reader drain what is queued ahead of the close frame and see the code.
    setTimeout(() => this.socket.terminate(), 10_000).unref();
  }

  private write(frame: string | PrebuiltFrame): void {
    if (this.closed) return;
    // Never hold an unbounded queue for a socket that does not read.
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.onSlowConsumer(this);
      this.close(CloseCodes.SlowConsumer);
      return;
    }
    if (typeof frame === 'string') {
      // Replies come in bursts per socket (a group commit answers every pipelined send at
      // once): corked until the next tick, they leave in one syscall. Events are usually one
      // per socket per tick, where corking would only add work, so they go straight out
      // (into the cork if a reply opened one).
      const raw = rawSocket(this.socket);
      if (raw) corkUntilNextTick(raw);
      this.socket.send(frame);
    } else {
      writeFrame(this.socket, frame);
    }
  }
}
