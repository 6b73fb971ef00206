/**
 * Gathers changes per key (a room, a message) for a short window and flushes them as one
 * batch, so 200 members reading (or reacting) at once cost each client a handful of frames,
 * not 200. Per key, one value per item survives a window, as `merge` decides.
 */
export interface Coalescer<V> {
  add(key: string, item: string, value: V): void;
  /** True while the key's windows are stretched (its last flush was over itemsPerWindow). */
  isStretched(key: string): boolean;
  /** Flushes everything pending now (shutdown). */
  flush(): void;
  close(): void;
}

export function createCoalescer<V>(options: {
  windowMs: number;
  /** The value kept when an item changes twice in a window; default: the newer one. */
  merge?: (previous: V, next: V) => V;
  /**
   * A key whose window flushed k > itemsPerWindow items waits windowMs × k / itemsPerWindow
   * for its next flush, so a key sends on average at most itemsPerWindow items per windowMs
   * however many items it has (a batch goes to every member of a room: without this, a room
   * where everyone reads sends each member bytes in proportion to its size). Default: no stretch.
   */
  itemsPerWindow?: number;
  publish: (key: string, items: Map<string, V>) => void;
}): Coalescer<V> {
  const pending = new Map<string, Map<string, V>>();
  const timers = new Map<string, NodeJS.Timeout>();
  /** Keys whose last flush was over itemsPerWindow: the length of their next window. */
  const stretched = new Map<string, number>();
  const merge = options.merge ?? ((_prev: V, next: V) => next);
  const perWindow = options.itemsPerWindow ?? Number.POSITIVE_INFINITY;

  function flushKey(key: string) {
    const items = pending.get(key);
    pending.delete(key);
    const timer = timers.get(key);
    if (timer) clearTimeout(timer);
    timers.delete(key);
    const count = items?.size ?? 0;
    if (count > perWindow) stretched.set(key, (options.windowMs * count) / perWindow);
    else stretched.delete(key);
    if (items?.size) options.publish(key, items);
  }

  return {
    add(key, item, value) {
      let items = pending.get(key);
      if (!items) pending.set(key, (items = new Map()));
      const had = items.get(item);
      items.set(item, had === undefined ? value : merge(had, value));
      // The window opens with the first change, so a steady stream still flushes every window.
      if (!timers.has(key))
        timers.set(
          key,
          setTimeout(() => flushKey(key), stretched.get(key) ?? options.windowMs),
        );
    },
    isStretched: (key) => stretched.has(key),
    flush() {
      for (const key of [...pending.keys()]) flushKey(key);
    },
    close() {
      this.flush();
    },
  };
}

/** Read pointers: per room, the newest pointer per reader. */
export interface ReadCoalescer {
  add(roomId: string, userId: string, seq: number): void;
  isStretched(roomId: string): boolean;
  flush(): void;
  close(): void;
}

export function createReadCoalescer(options: {
  windowMs: number;
  /** See createCoalescer: pointers per room per window, on average, before the window stretches. */
  readersPerWindow?: number;
  publish: (roomId: string, reads: { userId: string; seq: number }[]) => void;
}): ReadCoalescer {
  return createCoalescer<number>({
    windowMs: options.windowMs,
    itemsPerWindow: options.readersPerWindow,
    merge: Math.max,
    publish: (roomId, reads) =>
      options.publish(
        roomId,
        [...reads].map(([userId, seq]) => ({ userId, seq })),
      ),
  });
}
