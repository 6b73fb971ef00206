/** A run in progress for one key, see singleFlight. */
export interface Flight {
  readonly promise: Promise<void>;
  /** Someone joined while the run was under way: run the task once more before ending. */
  again: boolean;
}

/**
 * One run per key at a time (a room's gap fill, send loop, read flush). A call while one
 * runs joins it and makes it run the task once more, so work queued just as the task was
 * finishing is never left behind; the entry is removed in the same step as the last check.
 * (Registering after starting an `async` function left a stale entry when it had nothing to
 * do and returned at once, blocking the key for good; found by the fault suite.)
 */
export function singleFlight<K>(runs: Map<K, Flight>, key: K, task: () => Promise<void>): Promise<void> {
  const running = runs.get(key);
  if (running) {
    running.again = true;
    return running.promise;
  }
  const flight: { promise: Promise<void>; again: boolean } = { promise: Promise.resolve(), again: false };
  flight.promise = (async () => {
    // Registered (below) before the task's first line runs.
    await undefined;
    try {
      do {
        flight.again = false;
        await task();
      } while (flight.again);
    } finally {
      runs.delete(key);
    }
  })();
  runs.set(key, flight);
  return flight.promise;
}
