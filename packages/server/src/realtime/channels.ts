/**
 * Bus channels. A gateway subscribes to the room and user channels its own connections
 * need (reference-counted), and always to `fanout`, which carries events whose audience
 * is "everyone sharing a room with X" or "everyone": those name their target rooms in
 * the envelope instead of being published once per room.
 */
export const Channels = {
  room: (roomId: string) => `room:${roomId}`,
  user: (userId: string) => `user:${userId}`,
  fanout: 'fanout',
  /** Session revocations: every process subscribes (HTTP token checks and the gateway's sockets both need them). */
  sessions: 'sessions',
} as const;
