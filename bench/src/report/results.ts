import type { SystemName } from '../drivers/wire-driver.js';
import type { LatencySummary } from '../histogram.js';

/** One measured window of load against one system. */
export interface Measurement {
  scenario: 'fanout' | 'persist' | 'cluster' | 'smoke';
  /** The case inside a scenario, e.g. "rooms of 10"; runs of one case are compared across systems. */
  caseLabel: string;
  system: string;
  systemName: SystemName;
  params: Record<string, number | string>;
  /** Offered messages/s (open loop), or null (closed loop: as fast as acks allow). */
  offeredRate: number | null;
  windowSec: number;
  /** The window in CLOCK_MONOTONIC µs: V8 .cpuprofile timestamps use the same clock (profile-summary --from/--to). */
  windowStartUs: number;
  windowEndUs: number;
  sentPerSec: number;
  ackedPerSec: number;
  deliveriesPerSec: number;
  /** Mean size of a delivered event frame, bytes: how comparable the systems' frames are. */
  bytesPerDelivery: number;
  delivery: LatencySummary;
  ack: LatencySummary;
  /** How late the generator sent against its schedule: its own health, not the server's. */
  sendLag: LatencySummary;
  /** Deliveries expected (sent × receiving connections) but not seen by the end of the drain. */
  drops: number;
  unacked: number;
  errors: Record<string, number>;
  errorCount: number;
  serverCpuSec: number;
  /** Server CPU as % of one core over the window (all server processes summed). */
  serverCpuPct: number;
  deliveriesPerServerCpuSec: number;
  ackedPerServerCpuSec: number;
  generatorCpuPct: number;
  /** Redis / PostgreSQL CPU over the window, % of one core (best effort; shared services). */
  auxCpuPct: number;
  /** CPU used by everything else on the machine over the window, % of one core: how noisy the run was. */
  otherCpuPct: number;
  serverRssMb: number;
  /** Bytes the server and its database wrote to storage per acknowledged send over the window (WAL, checkpoints, tables). */
  storageBytesPerAck: number | null;
  /** The generator could not keep its schedule: latency then says more about the generator. */
  generatorSaturated: boolean;
}

export interface IdleMeasurement {
  caseLabel: string;
  system: string;
  systemName: SystemName;
  connectionsTarget: number;
  connected: number;
  /** Connections that answered an application-level ping after the hold. */
  held: number;
  connectPerSec: number;
  connectLatency: LatencySummary;
  /** Server RSS before any connection, with half of them, and with all of them. */
  rssBeforeMb: number;
  rssHalfMb: number;
  rssAfterMb: number;
  /**
   * (RSS with all − RSS with half) ÷ connections added, each read after a forced GC: the marginal RSS of
   * one connection. V8 resizing its heap moves RSS by megabytes, so it is steady only with thousands added.
   */
  rssPerConnKb: number;
  /** The same slope for the JS heap in use after a forced GC (live objects only), or null. */
  heapPerConnKb: number | null;
  /** Server CPU while holding idle connections (heartbeats), % of one core. */
  idleServerCpuPct: number;
  holdSec: number;
  errors: Record<string, number>;
  /** Connect phases, CLOCK_MONOTONIC µs, for profile-summary --from/--to. */
  connectPhasesUs: Array<[number, number]>;
}

export interface SweepPoint {
  offeredRate: number;
  m: Measurement;
}

export interface Sweep {
  caseLabel: string;
  system: string;
  systemName: SystemName;
  points: SweepPoint[];
  /** Highest offered rate with p99 ≤ limit and no drops, or null. */
  saturationRate: number | null;
  stoppedBecause: string;
}

export interface SetupRecord {
  system: string;
  users: number;
  rooms: number;
  seconds: number;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  node: string;
  /** 1-minute load average when the suite started and ended: how quiet the machine was. */
  loadStart: number;
  loadEnd: number;
  serverCpus: string | null;
  generatorCpus: string | null;
  generatorWorkers: number;
  /** How ChatChat ran: its bundle, as the image runs it, or its sources through tsx (absent before 2026-12-06: sources). */
  chatchatServer?: 'bundle' | 'source';
}

export interface SuiteResult {
  suite: string;
  startedAt: string;
  durationSec: number;
  machine: MachineInfo;
  setup: SetupRecord[];
  idle: IdleMeasurement[];
  measurements: Measurement[];
  sweeps: Sweep[];
  /** Things that did not run, and why. */
  skipped: string[];
  notes: string[];
}
