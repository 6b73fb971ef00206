/**
 * The search index is written off the send path. A send, edit or deletion of a text message
 * adds a `search_backlog` row in its own transaction; an indexer takes the backlog in large
 * batches, reads each message's current body, tokenizes it with the shared tokenizer and writes
 * (or removes) its index row, one transaction per batch. What a user was acknowledged is always
 * found: a search first has the indexer catch up with the backlog as it stood when the search
 * began (`catchUp`), so the only lag is in scale-out, where rows another process's indexer has
 * claimed are in flight for the duration of its batch (well under a second).
 */
export interface SearchIndexer {
  /**
   * Indexes every backlog row committed before the call. Resolves with the rows still waiting
   * afterwards (committed since, or claimed by another process's indexer meanwhile).
   */
  catchUp(): Promise<number>;
  /** After migrations: moves an index of an older layout into place. */
  migrated(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs `pass` at most once at a time, with at most one more queued: every caller gets a pass
 * that started after its call (so it covers what the caller committed before), and callers
 * arriving while one waits share it.
 */
export function coalescedPasses(pass: () => Promise<number>): () => Promise<number> {
  let running: Promise<number> | undefined;
  let queued: Promise<number> | undefined;
  const start = () => {
    const p = pass();
    running = p;
    const clear = () => {
      if (running === p) running = undefined;
    };
    p.then(clear, clear);
    return p;
  };
  return () => {
    if (queued) return queued;
    if (!running) return start();
    const after = () => {
      queued = undefined;
      return start();
    };
    queued = running.then(after, after);
    return queued;
  };
}
