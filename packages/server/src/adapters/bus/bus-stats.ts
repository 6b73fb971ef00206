import type { BusStats } from '../../ports/bus.js';

export interface BusLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export function createBusStats(): BusStats {
  return { published: 0, received: 0, publishErrors: 0, recoveries: 0 };
}

/**
 * A throwing handler is a bug in the caller, but it must not break the delivery loop
 * (or ioredis's reply parser). Without a logger it is rethrown on its own tick so it
 * still surfaces as an uncaught exception instead of vanishing.
 */
export function reportHandlerError(err: unknown, logger: BusLogger | undefined): void {
  if (logger) logger.error({ err }, 'bus handler threw');
  else
    queueMicrotask(() => {
      throw err;
    });
}
