/**
 * Every abuse limit lifted. Tests and benchmarks drive hundreds of users from one address
 * (127.0.0.1, or one balancer hop), which the real limits would rightly stop; each limit has
 * its own test, which sets it back. One list, so a limit added later is lifted everywhere.
 */
export const liftedLimitsEnv: Readonly<Record<string, string>> = Object.freeze({
  RATE_LIMIT_OPS_PER_SEC: '1000000',
  RATE_LIMIT_BURST: '1000000',
  HTTP_RATE_LIMIT_PER_MIN: '0',
  SIGNUPS_PER_IP_PER_HOUR: '1000000',
  LOGINS_PER_IP_PER_MIN: '1000000',
  REFRESHES_PER_IP_PER_MIN: '1000000',
  ROOM_CREATES_PER_HOUR: '1000000',
  INVITES_PER_HOUR: '1000000',
  MAX_ROOMS_PER_USER: '1000000',
  PASSWORD_HASH_QUEUE: '1000000',
  UPLOAD_RATE_PER_MIN: '1000000',
  MAX_ANONYMOUS_SOCKETS_PER_IP: '1000000',
  MAX_SOCKETS_PER_USER: '1000',
  MAX_IN_FLIGHT_PER_SOCKET: '100000',
  MAX_PENDING_HELLOS: '1000000',
});
