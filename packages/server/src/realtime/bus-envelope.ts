/**
 * What travels on the bus: one JSON header line, a newline, then the client frame exactly
 * as it goes on the wire. The publisher serialises the frame once; every gateway forwards
 * those bytes to its sockets without parsing or re-serialising them.
 */
export interface Envelope {
  /** The event's name, for metrics: the gateway never parses the frame itself. */
  e: string;
  /** Deliver to local connections of members of these rooms. */
  r?: string[];
  /** Deliver to local connections of these users. */
  u?: string[];
  /** Deliver to every local authenticated connection. */
  all?: true;
  /** Skip every connection of this user (typing: the typist's own devices do not need it). */
  x?: string;
  /** A change the gateway applies to its routing before delivering. */
  fx?: RoutingEffect;
}

export type RoutingEffect =
  | { kind: 'join'; roomId: string; userId: string }
  | { kind: 'leave'; roomId: string; userId: string };

export function encodeEnvelope(header: Envelope, frame: string): string {
  return `${JSON.stringify(header)}\n${frame}`;
}

export function decodeEnvelope(payload: string): { header: Envelope; frame: string } {
  const cut = payload.indexOf('\n');
  if (cut < 0) throw new Error('bus payload without header');
  return { header: JSON.parse(payload.slice(0, cut)) as Envelope, frame: payload.slice(cut + 1) };
}
