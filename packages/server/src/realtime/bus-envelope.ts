/**
 * What travels on the bus: one JSON header line, a newline, then the event exactly as it
 * goes to clients (serialised JSON). The publisher serialises the event once; every gateway
 * forwards those bytes to its sockets without parsing or re-serialising them.
 */
export interface Envelope {
  /** The event's name, for metrics: the gateway never parses the event itself. */
  event: string;
  /** Deliver to local connections of members of these rooms. */
  rooms?: string[];
  /** Deliver to local connections of these users. */
  users?: string[];
  /** Deliver to every local authenticated connection. */
  everyone?: true;
  /** Skip every connection of this user (typing: the typist's own devices do not need it). */
  exceptUser?: string;
  /** A change the gateway applies to its routing before delivering. */
  routing?: RoutingEffect;
  /**
   * Set when one event is published on several channels (one per room it concerns): a
   * gateway delivers each id at most once per connection, whichever copies it receives.
   */
  dedupeId?: string;
}

export type RoutingEffect = { kind: 'join'; roomId: string; userId: string } | { kind: 'leave'; roomId: string; userId: string };

export function encodeEnvelope(header: Envelope, eventJson: string): string {
  return `${JSON.stringify(header)}\n${eventJson}`;
}

export function decodeEnvelope(payload: string): { header: Envelope; eventJson: string } {
  const cut = payload.indexOf('\n');
  if (cut < 0) throw new Error('bus payload without header');
  return { header: JSON.parse(payload.slice(0, cut)) as Envelope, eventJson: payload.slice(cut + 1) };
}
