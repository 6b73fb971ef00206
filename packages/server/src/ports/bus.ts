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
