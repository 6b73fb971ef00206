/**
 * Publish/subscribe between processes. Payloads are opaque strings: the publisher
 * serialises once and every subscriber forwards the bytes it got.
 * Subscriptions are per channel and per process; who needs a channel is the
 * gateway's business (it reference-counts over its own connections).
 */
export interface Bus {
  publish(channel: string, payload: string): Promise<void>;
  subscribe(channel: string): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /** Replaces the single process-wide receiver. */
  onMessage(handler: (channel: string, payload: string) => void): void;
  /**
   * Called when the bus came back after an outage during which messages may have been
   * lost (never for the in-process bus). Subscribers should make their clients resync.
   */
  onRecovered(handler: () => void): void;
  /** True while the bus can deliver to other processes. */
  readonly healthy: boolean;
  close(): Promise<void>;
}

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

/** A Bus that exposes its counters (every adapter returns one). */
export interface MeteredBus extends Bus {
  readonly stats: Readonly<BusStats>;
}
