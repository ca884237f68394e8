import { createHash } from 'node:crypto';

/**
 * GCRA (the generic cell rate algorithm) in one atomic step, on Redis's own clock (TIME), so
 * processes whose clocks disagree still share one time line. The key holds the theoretical
 * arrival time (TAT, ms) of the next admission; every admission moves it `interval` (= the
 * interval between admissions) later, and a call is admitted when TAT - burst·interval is at
 * most `maxWait` ahead of now. It is the token bucket of `@dyno/pool`'s `RateLimiter` (capacity
 * `burst`, one token every `interval` ms) stored as one number.
 *
 * A caller that finds no free turn now takes the earliest turn given up ahead (KEYS[2], see
 * `REFUND`) that is still to come, rather than one behind every other: the turns of callers that
 * gave up are used at their own time, never two in one.
 *
 * ARGV: interval (ms per admission), burst, maxWait (ms).
 * Returns { 1, wait, tat } when admitted (wait >= 0 ms), { 0, retryAfter } when refused.
 * A key holding something else (another type, not a number) is replaced; a GET refused for any
 * other reason (an ACL) is the script's error.
 */
export const DECIDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local step = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
local stored = redis.pcall('GET', KEYS[1])
if type(stored) == 'table' then
  -- only a key of another type is replaced: any other refusal (an ACL without GET) is an error,
  -- not a full bucket for every call
  if string.sub(stored.err or '', 1, 9) ~= 'WRONGTYPE' then return stored end
  redis.call('DEL', KEYS[1])
  stored = false
end
local tat = tonumber(stored)
if tat == nil or tat < now then tat = now end
local nextTat = tat + step
local wait = nextTat - burst * step - now
if wait > 0 then
  local given = redis.pcall('ZRANGEBYSCORE', KEYS[2], now + burst * step, '+inf', 'LIMIT', 0, 1)
  if type(given) == 'table' and given[1] ~= nil then
    local early = tonumber(given[1]) - burst * step - now
    if early <= maxWait then
      redis.call('ZREM', KEYS[2], given[1])
      return { 1, string.format('%.3f', early), given[1] }
    end
  end
end
if wait > maxWait then
  return { 0, string.format('%.3f', wait) }
end
if wait < 0 then wait = 0 end
local saved = string.format('%.3f', nextTat)
-- at least 1 ms: a step finer than a double's precision at today's time adds nothing
redis.call('SET', KEYS[1], saved, 'PX', math.max(1, math.ceil(nextTat - now)))
return { 1, string.format('%.3f', wait), saved }
`;

/**
 * Gives back the turn of a caller that stopped waiting. At once only when nobody was admitted
 * after it (the key still holds the TAT its admission wrote): later callers' waits were computed
 * behind it and do not move up. Otherwise the turn is kept in a sorted set beside the key (KEYS[2],
 * scored by its TAT) while it is still ahead: when the turn after it is given back, so is it, and
 * so on down the turns given up, whichever process gave them up. Callers that leave in arrival
 * order (the same timeout on every call) so get every turn back, not only the last. The set is
 * written before the key, so a failing call (a foreign type) leaves the key as it was.
 *
 * ARGV: the TAT the admission wrote, interval (ms per admission). Returns 1 when given back.
 */
export const REFUND = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local mine = tonumber(ARGV[1])
local step = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local current = redis.call('GET', KEYS[1])
if current ~= ARGV[1] then
  -- kept only while a later turn stands behind it: one given back already is not kept again
  if mine > now and tonumber(current or '') ~= nil and tonumber(current) > mine then
    redis.call('ZADD', KEYS[2], mine, ARGV[1])
    local ttl = math.max(1, math.ceil(mine - now))
    if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
  end
  return 0
end
local tat = mine - step
-- the turns given up just before it are free now too (TATs one interval apart, written to 1 us)
while tat > now do
  local before = redis.call('ZRANGEBYSCORE', KEYS[2], tat - step / 2, tat + step / 2, 'LIMIT', 0, 1)
  if #before == 0 then break end
  redis.call('ZREM', KEYS[2], before[1])
  tat = tonumber(before[1]) - step
end
if tat <= now then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.max(1, math.ceil(tat - now)))
end
return 1
`;

/** A script with its SHA-1, for EVALSHA. */
export interface Script {
  readonly body: string;
  readonly sha: string;
}

const script = (body: string): Script =>
  Object.freeze({ body, sha: createHash('sha1').update(body).digest('hex') });

/** @internal */
export const DECIDE_SCRIPT = script(DECIDE);
/** @internal */
export const REFUND_SCRIPT = script(REFUND);
