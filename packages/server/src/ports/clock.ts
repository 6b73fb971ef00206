/** Time, injectable so tests can move it. */
export interface Clock {
  now(): Date;
  nowIso(): string;
}

export const systemClock: Clock = {
  now: () => new Date(),
  nowIso: () => new Date().toISOString(),
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
