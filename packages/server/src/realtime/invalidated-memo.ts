/**
 * One value read on demand and kept until invalidated: a process-local cache whose
 * invalidation comes over the bus. An invalidation also forgets a read under way, so a caller
 * after it never gets a value read before it (callers before it may: they are covered by the
 * event that caused it, which reaches them after their reply). A failed read is not kept.
 */
export function invalidatedMemo<T>(read: () => Promise<T>): { get(): Promise<T>; invalidate(): void } {
  let current: Promise<T> | undefined;
  return {
    get() {
      if (current) return current;
      const reading = read();
      current = reading;
      reading.catch(() => {
        if (current === reading) current = undefined;
      });
      return reading;
    },
    invalidate() {
      current = undefined;
    },
  };
}
