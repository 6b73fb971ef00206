/**
 * Gathers changes per key (a room, a message) for a short window and flushes them as one
 * batch, so 200 members reading (or reacting) at once cost each client a handful of frames,
 * not 200. Per key, one value per item survives a window, as `merge` decides.
 */
export interface Coalescer<V> {
  add(key: string, item: string, value: V): void;
  /** Flushes everything pending now (shutdown). */
  flush(): void;
  close(): void;
}

export function createCoalescer<V>(options: {
  windowMs: number;
  /** The value kept when an item changes twice in a window; default: the newer one. */
  merge?: (previous: V, next: V) => V;
  publish: (key: string, items: Map<string, V>) => void;
}): Coalescer<V> {
  const pending = new Map<string, Map<string, V>>();
  const timers = new Map<string, NodeJS.Timeout>();
  const merge = options.merge ?? ((_prev: V, next: V) => next);

  function flushKey(key: string) {
    const items = pending.get(key);
    pending.delete(key);
    const timer = timers.get(key);
    if (timer) clearTimeout(timer);
    timers.delete(key);
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
          setTimeout(() => flushKey(key), options.windowMs),
        );
    },
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
  flush(): void;
  close(): void;
}

export function createReadCoalescer(options: {
  windowMs: number;
  publish: (roomId: string, reads: { userId: string; seq: number }[]) => void;
}): ReadCoalescer {
  return createCoalescer<number>({
    windowMs: options.windowMs,
    merge: Math.max,
    publish: (roomId, reads) =>
      options.publish(
        roomId,
        [...reads].map(([userId, seq]) => ({ userId, seq })),
      ),
  });
}
