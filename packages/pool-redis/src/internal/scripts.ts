import { createHash } from 'node:crypto';

/**
 * GCRA (the generic cell rate algorithm) in one atomic step, on Redis's own clock (TIME), so
 * processes whose clocks disagree still share one time line. The key holds the theoretical
 * arrival time (TAT, ms) of the next admission; every admission moves it `interval` (= the
 * interval between admissions) later, and a call is admitted when TAT - burst·interval is at
 * most `maxWait` ahead of now. It is the token bucket of `@dyno/pool`'s `RateLimiter` (capacity
 * `burst`, one token every `interval` ms) stored as one number.
 *
 * ARGV: interval (ms per admission), burst, maxWait (ms).
 * Returns { 1, wait, tat } when admitted (wait >= 0 ms), { 0, retryAfter } when refused.
 * A key holding something else (another type, not a number) is replaced.
 */
export const DECIDE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local step = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local maxWait = tonumber(ARGV[3])
local stored = redis.pcall('GET', KEYS[1])
if type(stored) == 'table' then
  redis.call('DEL', KEYS[1])
  stored = false
end
local tat = tonumber(stored)
if tat == nil or tat < now then tat = now end
local nextTat = tat + step
local wait = nextTat - burst * step - now
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
 * Gives back the turn of a caller that stopped waiting, only when nobody was admitted after it
 * (the key still holds the TAT its admission wrote): later callers' waits were computed behind
 * it and do not move up.
 *
 * ARGV: the TAT the admission wrote, interval (ms per admission). Returns 1 when given back.
 */
export const REFUND = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local tat = tonumber(ARGV[1]) - tonumber(ARGV[2])
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
