/**
 * Gathers read-pointer moves per room for a short window and flushes them as one batch,
 * so 200 members reading at once cost each client a handful of frames, not 200.
 * Only the newest pointer per reader survives a window.
 */
export interface ReadCoalescer {
  add(roomId: string, userId: string, seq: number): void;
  /** Flushes everything pending now (shutdown). */
  flush(): void;
  close(): void;
}

export function createReadCoalescer(options: {
  windowMs: number;
  publish: (roomId: string, reads: { userId: string; seq: number }[]) => void;
}): ReadCoalescer {
  const pending = new Map<string, Map<string, number>>();
  const timers = new Map<string, NodeJS.Timeout>();

  function flushRoom(roomId: string) {
    const reads = pending.get(roomId);
    pending.delete(roomId);
    const timer = timers.get(roomId);
    if (timer) clearTimeout(timer);
    timers.delete(roomId);
    if (reads?.size) options.publish(roomId, [...reads].map(([userId, seq]) => ({ userId, seq })));
  }

  return {
    add(roomId, userId, seq) {
      let reads = pending.get(roomId);
      if (!reads) pending.set(roomId, (reads = new Map()));
      reads.set(userId, Math.max(seq, reads.get(userId) ?? 0));
      // The window opens with the first read, so a steady stream still flushes every window.
      if (!timers.has(roomId)) timers.set(roomId, setTimeout(() => flushRoom(roomId), options.windowMs));
    },
    flush() {
      for (const roomId of [...pending.keys()]) flushRoom(roomId);
    },
    close() {
      this.flush();
    },
  };
}
