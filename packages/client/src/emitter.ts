export type Unsubscribe = () => void;

export interface Emitter<M> {
  on<E extends keyof M>(ev: E, handler: (data: M[E]) => void): Unsubscribe;
  emit<E extends keyof M>(ev: E, data: M[E]): void;
  clear(): void;
}

/**
 * A handler that throws must not break delivery to the others nor the caller's state
 * machine; the error is rethrown on its own task so it still surfaces.
 */
function report(err: unknown): void {
  const g = globalThis as { reportError?: (e: unknown) => void };
  if (typeof g.reportError === 'function') g.reportError(err);
  else
    setTimeout(() => {
      throw err;
    }, 0);
}

export function createEmitter<M>(): Emitter<M> {
  const handlers = new Map<keyof M, Set<(data: never) => void>>();
  return {
    on(ev, handler) {
      let set = handlers.get(ev);
      if (!set) handlers.set(ev, (set = new Set()));
      const h = handler as (data: never) => void;
      set.add(h);
      return () => {
        set.delete(h);
      };
    },
    emit(ev, data) {
      const set = handlers.get(ev);
      if (!set) return;
      for (const h of [...set]) {
        try {
          (h as (d: typeof data) => void)(data);
        } catch (err) {
          report(err);
        }
      }
    },
    clear() {
      handlers.clear();
    },
  };
}
