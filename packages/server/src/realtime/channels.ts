/**
 * Bus channels. A gateway subscribes to the room and user channels its own connections
 * need (reference-counted), and always to `global`, which carries only what every
 * connection gets (platform announcements). Events for "everyone sharing a room with X"
 * go on each of X's room channels and X's user channel, so they load the shards of those
 * channels, not one channel every gateway must read.
 */
export const Channels = {
  room: (roomId: string) => `room:${roomId}`,
  user: (userId: string) => `user:${userId}`,
  everyone: 'global',
  /** Session revocations: every process subscribes (HTTP token checks and the gateway's sockets both need them). */
  sessions: 'sessions',
} as const;
