/**
 * Lua for the Redis presence adapter. Each script is atomic, which is what makes
 * "went online", "went offline" and "reaped" decisions exact across processes.
 *
 * Keys, all under one hash tag so every script stays in one cluster slot
 * (base = `${prefix}{presence}:`):
 *   base..'nodes'     ZSET  lease id → lease expiry (ms, Redis server clock)
 *   base..'reaping'   SET   lease ids whose expiry passed and whose entries are being reaped
 *   base..'n:'..lease SET   'userId|connId' held by that lease
 *   base..'u:'..user  SET   'leaseId|connId' of that user
 *   base..'seen'      HASH  userId → last-seen ISO time
 * An entry is live while its lease is in `nodes` with an expiry in the future. A lease
 * past its expiry is dead for good (heartbeat does not renew it; the process takes a
 * new lease), so entries of dead leases can be purged by whoever finds them.
 * Time is Redis's TIME, so processes with skewed clocks agree on who expired.
 *
 * KEYS[1] is always the `nodes` key (so a cluster routes the script), ARGV[1] the base.
 */
const prelude = `
local nodesKey = KEYS[1]
local base = ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function userKey(u) return base .. 'u:' .. u end
local function leaseKey(l) return base .. 'n:' .. l end
local function split(s)
  local i = string.find(s, '|', 1, true)
  return string.sub(s, 1, i - 1), string.sub(s, i + 1)
end
local function isLive(lease)
  local score = redis.call('ZSCORE', nodesKey, lease)
  return score ~= false and tonumber(score) > now
end
local function liveCount(u)
  local n = 0
  for _, m in ipairs(redis.call('SMEMBERS', userKey(u))) do
    local lease = split(m)
    if isLive(lease) then n = n + 1 end
  end
  return n
end
local function purgeDead(u)
  local uk = userKey(u)
  for _, m in ipairs(redis.call('SMEMBERS', uk)) do
    local lease, conn = split(m)
    if not isLive(lease) then
      redis.call('SREM', uk, m)
      redis.call('SREM', leaseKey(lease), u .. '|' .. conn)
    end
  end
end
`;

/** ARGV: base, lease, userId, connId → 1 went online, 0 already online, -1 lease dead (take a new one). */
export const connectScript = `${prelude}
local lease, u, conn = ARGV[2], ARGV[3], ARGV[4]
if not isLive(lease) then return -1 end
local wasOnline = liveCount(u) > 0
purgeDead(u)
redis.call('SADD', leaseKey(lease), u .. '|' .. conn)
redis.call('SADD', userKey(u), lease .. '|' .. conn)
if wasOnline then return 0 end
return 1
`;

/** ARGV: base, lease, userId, connId, nowIso → 1 when this removed the user's last live connection. */
export const disconnectScript = `${prelude}
local lease, u, conn, nowIso = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
redis.call('SREM', leaseKey(lease), u .. '|' .. conn)
if redis.call('SREM', userKey(u), lease .. '|' .. conn) == 0 then return 0 end
if liveCount(u) > 0 then return 0 end
purgeDead(u)
redis.call('HSET', base .. 'seen', u, nowIso)
return 1
`;

/** ARGV: base, lease, leaseMs → 1 renewed, 0 the lease is dead or unknown (take a new one). */
export const heartbeatScript = `${prelude}
local lease, leaseMs = ARGV[2], tonumber(ARGV[3])
if not isLive(lease) then return 0 end
redis.call('ZADD', nodesKey, now + leaseMs, lease)
return 1
`;

/**
 * ARGV: base, lease, leaseMs, create ('1' for the first chunk), then userId, connId pairs.
 * Registers the pairs under the lease; returns the users who were offline before.
 * A later chunk whose lease died meanwhile returns -1.
 */
export const registerScript = `${prelude}
local lease, leaseMs = ARGV[2], tonumber(ARGV[3])
if ARGV[4] == '1' then
  redis.call('ZADD', nodesKey, now + leaseMs, lease)
elseif not isLive(lease) then
  return -1
end
local revived = {}
for i = 5, #ARGV, 2 do
  local u, conn = ARGV[i], ARGV[i + 1]
  if liveCount(u) == 0 then revived[#revived + 1] = u end
  redis.call('SADD', leaseKey(lease), u .. '|' .. conn)
  redis.call('SADD', userKey(u), lease .. '|' .. conn)
end
return revived
`;

/**
 * ARGV: base, nowIso, budget → { more (0/1), userId... }.
 * Moves expired leases to 'reaping', then pops up to `budget` of their entries
 * (SPOP hands each entry to exactly one reaper) and reports each user left with no
 * live entry. Such a user's other dead entries are purged in the same step, so no
 * later pop reports them again.
 */
export const reapScript = `${prelude}
local nowIso, budget = ARGV[2], tonumber(ARGV[3])
local reapingKey = base .. 'reaping'
for _, lease in ipairs(redis.call('ZRANGEBYSCORE', nodesKey, '-inf', now)) do
  redis.call('ZREM', nodesKey, lease)
  redis.call('SADD', reapingKey, lease)
end
local result = { 0 }
for _, lease in ipairs(redis.call('SMEMBERS', reapingKey)) do
  if budget <= 0 then
    result[1] = 1
    break
  end
  local lk = leaseKey(lease)
  local entries = redis.call('SPOP', lk, budget)
  budget = budget - #entries
  for _, e in ipairs(entries) do
    local u, conn = split(e)
    if redis.call('SREM', userKey(u), lease .. '|' .. conn) == 1 and liveCount(u) == 0 then
      purgeDead(u)
      redis.call('HSET', base .. 'seen', u, nowIso)
      result[#result + 1] = u
    end
  end
  if redis.call('EXISTS', lk) == 0 then
    redis.call('SREM', reapingKey, lease)
  else
    result[1] = 1
  end
end
return result
`;

/** ARGV: base, userId... → flat { online (0/1), lastSeenAt or '' } per user. */
export const lookupScript = `${prelude}
local seenKey = base .. 'seen'
local result = {}
for i = 2, #ARGV do
  local u = ARGV[i]
  result[#result + 1] = liveCount(u) > 0 and 1 or 0
  result[#result + 1] = redis.call('HGET', seenKey, u) or ''
end
return result
`;

/** ARGV: base, lease → marks the lease expired so the next reaper takes its entries. */
export const releaseScript = `${prelude}
if redis.call('ZSCORE', nodesKey, ARGV[2]) ~= false then
  redis.call('ZADD', nodesKey, 0, ARGV[2])
end
return 1
`;
