/**
 * One run per key at a time (a room's gap fill, send loop, read flush): a call while one runs
 * joins it. The entry is registered before the task starts, so a task that finds nothing to
 * do and returns at once still removes its own entry (registering after an already-finished
 * `async` function left a stale entry behind that blocked the key for good).
 */
export function singleFlight<K>(runs: Map<K, Promise<void>>, key: K, task: () => Promise<void>): Promise<void> {
  const running = runs.get(key);
  if (running) return running;
  const run = Promise.resolve()
    .then(task)
    .finally(() => {
      if (runs.get(key) === run) runs.delete(key);
    });
  runs.set(key, run);
  return run;
}
