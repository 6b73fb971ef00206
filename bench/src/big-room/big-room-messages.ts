/** IPC between the big-room coordinator (big-room.ts) and its member workers (member-worker.ts). */

/** Frame kinds counted per member; anything else is counted under its `ev` name in `otherEvents`. */
export const frameKinds = ['message.created', 'room.read', 'presence.updated', 'other-event', 'reply'] as const;
export type FrameKind = (typeof frameKinds)[number];

export interface MemberSpec {
  userId: string;
  token: string;
}

export interface MemberInit {
  type: 'init';
  url: string;
  roomId: string;
  /** Source address for this worker's sockets (127.0.0.x): each worker its own ephemeral port range. */
  localAddress: string;
  connectConcurrency: number;
  members: MemberSpec[];
  /** Indices into `members` that send, in turn. */
  senders: number[];
  /** `sdk`: read as the SDK does; `none`: never send room.read (a diagnostic: the fan-out alone). */
  reads: ReadMode;
  /** A what-if, not the SDK: at most one room.read per member per this many ms (0: the SDK). */
  readDebounceMs: number;
}

export type ReadMode = 'sdk' | 'none';

export interface MemberRun {
  type: 'run';
  /** Monotonic µs (nowUs) when sending starts, the same for every worker. */
  startUs: number;
  warmupMs: number;
  durationMs: number;
  cooldownMs: number;
  /** Messages per second from this worker. */
  rate: number;
  bodyChars: number;
}

export type ToWorker = MemberInit | MemberRun | { type: 'progress' } | { type: 'collect' } | { type: 'close' };

/** Frames one member received in a phase, by kind (indexed like frameKinds). */
export type KindCounts = number[];

export interface PhaseFrames {
  /** Per member, per kind. */
  perMember: KindCounts[];
  /** Bytes per kind over all members. */
  bytes: KindCounts;
  otherEvents: Record<string, number>;
}

export interface MemberResult {
  sent: number;
  acked: number;
  /** message.created frames of messages sent inside the window. */
  delivered: number;
  readsSent: number;
  readReplies: number;
  /** hdr histograms (µs), compressed base64. */
  deliveryHist: string;
  ackHist: string;
  readReplyHist: string;
  sendLagHist: string;
  /** Frames from the first connect until sending started (the connect-up: presence). */
  connect: PhaseFrames;
  /** Frames by arrival time inside the measured window. */
  window: PhaseFrames;
  errors: Record<string, number>;
}

export type FromWorker =
  | { type: 'connected'; ok: number; failed: number; errors: Record<string, number> }
  /** `frames`: every frame received so far (the coordinator waits for the connect-up to go quiet). */
  | { type: 'progress'; delivered: number; sent: number; acked: number; frames: number }
  | { type: 'result'; result: MemberResult }
  | { type: 'fatal'; message: string };
