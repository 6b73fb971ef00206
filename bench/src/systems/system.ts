import type { SystemName } from '../drivers/wire-driver.js';

/** Rooms of one scenario: `rooms` rooms of `size` members taken from the user list in order, wrapping. */
export interface RoomGroupSpec {
  group: string;
  rooms: number;
  size: number;
  /** First user index of the group (default 0). */
  userOffset?: number;
}

export interface PlanUser {
  id: string;
  token: string;
}

export interface PlanRoom {
  id: string;
  group: string;
  /** Indices into Plan.users. */
  members: number[];
}

export interface Plan {
  users: PlanUser[];
  rooms: PlanRoom[];
  /** Wall seconds spent creating users and rooms (not part of any result). */
  setupSeconds: number;
}

/** A server under test, started and owned by the bench. */
export interface RunningSystem {
  readonly name: SystemName;
  /** A label for reports, e.g. "chatchat (sqlite)". */
  readonly label: string;
  /** ws://127.0.0.1:port, one per gateway process. */
  readonly wsUrls: string[];
  /** Server processes whose CPU and RSS are the server's. */
  readonly pids: number[];
  /** Their inspector URLs (loopback), to force a full GC before memory readings. */
  readonly inspectors: string[];
  /** Helper processes whose CPU is reported apart (Redis, PostgreSQL backends), best effort. */
  auxPids(): number[];
  setup(users: number, groups: RoomGroupSpec[]): Promise<Plan>;
  close(): Promise<void>;
}

/** The member user indices of room k of a group. */
export function roomMembers(spec: RoomGroupSpec, k: number, userCount: number): number[] {
  const offset = spec.userOffset ?? 0;
  return Array.from({ length: spec.size }, (_, i) => (offset + k * spec.size + i) % userCount);
}
