import type { Bus } from '../../ports/bus.js';

/** Counters for metrics; they only grow. */
export interface BusStats {
  /** Payloads handed to the transport and acknowledged by it (local-only buses: every publish). */
  published: number;
  /** Payloads from other processes handed to the handler (in-process: every delivery). */
  received: number;
  /** Publishes that failed or were dropped because the transport was down or backed up. */
  publishErrors: number;
  /** Outages after which onRecovered fired. */
  recoveries: number;
}

export interface BusLogger {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** A Bus that exposes its counters (both adapters return one). */
export interface MeteredBus extends Bus {
  readonly stats: Readonly<BusStats>;
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
  else queueMicrotask(() => { throw err; });
}
