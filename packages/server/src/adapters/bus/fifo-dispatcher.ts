/**
 * Delivers queued items on a later macrotask, in push order. Handlers that push more
 * items never recurse: new items wait for the next round, and each round yields to
 * I/O (setImmediate) so a ping-pong of handlers cannot starve the event loop.
 */
export interface FifoDispatcher<T> {
  push(item: T): void;
  /** Drops everything still queued. */
  clear(): void;
}

export function createFifoDispatcher<T>(deliver: (item: T) => void): FifoDispatcher<T> {
  let queue: T[] = [];
  let head = 0;
  let scheduled: NodeJS.Immediate | null = null;

  function drain(): void {
    scheduled = null;
    const end = queue.length;
    while (head < end) {
      const item = queue[head] as T;
      queue[head++] = undefined as T;
      deliver(item);
    }
    if (head === queue.length) {
      queue = [];
      head = 0;
    } else {
      if (head > 4096) {
        queue = queue.slice(head);
        head = 0;
      }
      scheduled = setImmediate(drain);
    }
  }

  return {
    push(item) {
      queue.push(item);
      scheduled ??= setImmediate(drain);
    },
    clear() {
      if (scheduled) clearImmediate(scheduled);
      scheduled = null;
      queue = [];
      head = 0;
    },
  };
}
