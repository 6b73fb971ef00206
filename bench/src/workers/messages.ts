import type { ConnUser, SystemName } from '../drivers/wire-driver.js';

/** One connection a worker opens. `gateway` indexes WorkerInit.urls. */
export interface ConnSpec extends ConnUser {
  gateway: number;
}

/** A room this worker sends in. */
export interface SendRoomSpec {
  roomId: string;
  /** Scenario group the room belongs to (e.g. "fanout-10"); a run drives one group. */
  group: string;
  /** Indices into WorkerInit.conns of the members that send from this worker, used in turn. */
  senders: number[];
  /** Connections (over all workers) that receive each message of this room, the sender's own included. */
  deliveriesPerMessage: number;
}

export interface WorkerInit {
  type: 'init';
  workerIndex: number;
  system: SystemName;
  /** ws://127.0.0.1:port per gateway. */
  urls: string[];
  /** Source address for this worker's sockets (127.0.0.x), or null for the default. */
  localAddress: string | null;
  connectConcurrency: number;
  /** Connect conns[0, connectUpTo) now; the rest wait for a 'connect' message. */
  connectUpTo: number;
  conns: ConnSpec[];
  rooms: SendRoomSpec[];
}

export interface RunSpec {
  type: 'run';
  runId: number;
  group: string;
  /** open: a fixed rate regardless of replies; closed: `inflight` outstanding sends per room. */
  mode: 'open' | 'closed';
  /** Messages per second from this worker (open mode). */
  rate: number;
  inflight: number;
  /** Monotonic µs (see nowUs) when sending starts; the same for every worker. */
  startUs: number;
  warmupMs: number;
  durationMs: number;
  cooldownMs: number;
  bodyChars: number;
}

export type CoordinatorMessage =
  | WorkerInit
  | RunSpec
  | { type: 'progress'; runId: number }
  | { type: 'collect'; runId: number }
  | { type: 'ping-all'; timeoutMs: number }
  | { type: 'connect'; upTo: number }
  | { type: 'close' };

export interface ConnectReport {
  type: 'connected';
  ok: number;
  failed: number;
  startUs: number;
  endUs: number;
  /** hdr histogram (µs), compressed base64: open → handshake reply. */
  connectHist: string;
  errors: Record<string, number>;
}

export interface WorkerRunStats {
  sent: number;
  acked: number;
  delivered: number;
  /** Payload bytes of those deliveries (frame text length). */
  deliveredBytes: number;
  expected: number;
  /** hdr histograms (µs), compressed base64. */
  deliveryHist: string;
  ackHist: string;
  sendLagHist: string;
  errors: Record<string, number>;
  otherFrames: number;
}

export type WorkerMessage =
  | ConnectReport
  | { type: 'progress'; runId: number; delivered: number; expected: number; acked: number; sent: number }
  | { type: 'result'; runId: number; stats: WorkerRunStats }
  | { type: 'ping-result'; alive: number; total: number }
  | { type: 'fatal'; message: string };
