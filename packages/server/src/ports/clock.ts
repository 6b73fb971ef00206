/** Time, injectable so tests can move it. */
export interface Clock {
  now(): Date;
  nowIso(): string;
}

let isoMs = -1;
let iso = '';

export const systemClock: Clock = {
  now: () => new Date(),
  // Formatted once per millisecond: a group commit stamps hundreds of sends within one.
  nowIso: () => {
    const ms = Date.now();
    if (ms !== isoMs) {
      isoMs = ms;
      iso = new Date(ms).toISOString();
    }
    return iso;
  },
};

/** A clock tests move by hand: starts at the real time, advances only when told. */
export function createManualClock(start = Date.now()) {
  let nowMs = start;
  return {
    now: () => new Date(nowMs),
    nowIso: () => new Date(nowMs).toISOString(),
    advance(ms: number) {
      nowMs += ms;
    },
  };
}
export type ManualClock = ReturnType<typeof createManualClock>;
