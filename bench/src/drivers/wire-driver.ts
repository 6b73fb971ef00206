/**
 * The systems the bench can drive. `-plain` peers are the same servers relaying without
 * acknowledging (the send carries no request id): the stricter comparison, since ChatChat
 * and the plain names' acking twins answer every send.
 */
export type SystemName = 'chatchat' | 'socketio' | 'ws-relay' | 'socketio-plain' | 'ws-relay-plain';
export const systemNames: readonly SystemName[] = ['ws-relay-plain', 'ws-relay', 'socketio-plain', 'socketio', 'chatchat'];
export type PeerName = Exclude<SystemName, 'chatchat'>;
/** The server a peer name runs. */
export const peerServer = (name: PeerName): 'socketio' | 'ws-relay' => (name.startsWith('socketio') ? 'socketio' : 'ws-relay');

/** What the generator needs to know to open one connection. */
export interface ConnUser {
  userId: string;
  /** ChatChat access token; empty for peers. */
  token: string;
  /** Rooms the user is in: peers are told, ChatChat knows. */
  rooms: string[];
}

export type Classified =
  | { kind: 'delivery' }
  | { kind: 'reply'; id: number; ok: boolean; code: string | null }
  | { kind: 'respond'; frame: string }
  | { kind: 'ready' }
  | { kind: 'other' };

/**
 * One system's wire format, as text frames over the same `ws` client: every system is driven by the
 * same generator code, so client-side costs do not differ between them.
 */
export interface WireDriver {
  readonly name: SystemName;
  /** WebSocket URL from a base like ws://127.0.0.1:1234. */
  url(base: string): string;
  /** Whether the socket must see a 'ready' frame before the handshake request (Socket.IO's CONNECT). */
  readonly waitsForReady: boolean;
  /** Whether sends are answered; without, the generator sends and records deliveries only. */
  readonly acks: boolean;
  handshake(id: number, user: ConnUser): string;
  send(id: number, roomId: string, body: string, clientMsgId: string): string;
  ping(id: number): string;
  classify(frame: string): Classified;
}
