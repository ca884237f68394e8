import { createHash } from 'node:crypto';

/**
 * One heartbeat: records this member as alive until Redis's now + ttl (a sorted set scored by
 * expiry, on Redis's own clock) with its state (a hash), forgets members whose time ran out,
 * optionally publishes the state, and answers every live member's state.
 *
 * The answer is read from the sorted set (its live members, then their states), not from the
 * whole hash: a state with no live membership behind it (written by someone else, or left when
 * the sorted set alone was evicted) is nobody, and must not count as a live member forever.
 * The keys' expiry is rounded up to whole ms: PEXPIRE refuses a fractional `memberTtl` × 10.
 *
 * KEYS: members (zset), states (hash). ARGV: id, state, ttl (ms), channel, publish ('1' or '0').
 * Returns { id1, state1, id2, state2, ... }.
 */
export const BEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now)
if #gone > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  redis.call('HDEL', KEYS[2], unpack(gone))
end
local ttl = math.ceil(tonumber(ARGV[3]) * 10)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
if ARGV[5] == '1' then
  redis.call('PUBLISH', ARGV[4], cjson.encode({ i = ARGV[1], s = ARGV[2] }))
end
local flat = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')) do
  local state = redis.call('HGET', KEYS[2], id)
  if state then
    flat[#flat + 1] = id
    flat[#flat + 1] = state
  end
end
return flat
`;

/** Leaves the fleet: KEYS as BEAT; ARGV: id, channel. */
export const LEAVE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[2], cjson.encode({ i = ARGV[1], s = 'left' }))
return 1
`;

/** A saved snapshot and Redis's time now: KEYS: the snapshot key. Returns { value|false, now }. */
export const LOAD = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return { redis.call('GET', KEYS[1]), tostring(now) }
`;

/** Saves a snapshot stamped with Redis's time: KEYS: the key; ARGV: snapshot JSON, ttl (ms). */
export const SAVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('SET', KEYS[1], '{"at":' .. now .. ',"snapshot":' .. ARGV[1] .. '}', 'PX', ARGV[2])
return 1
`;

/** A script with its SHA-1, for EVALSHA. */
export interface Script {
  readonly body: string;
  readonly sha: string;
}

const script = (body: string): Script =>
  Object.freeze({ body, sha: createHash('sha1').update(body).digest('hex') });

export const BEAT_SCRIPT: Script = script(BEAT);
export const LEAVE_SCRIPT: Script = script(LEAVE);
export const LOAD_SCRIPT: Script = script(LOAD);
export const SAVE_SCRIPT: Script = script(SAVE);
