// The Lua scripts the store runs. Each one is atomic on the Redis server.

/**
 * Takes the lease KEYS[1] with the token ARGV[1] for ARGV[2] ms: 1 when taken, else 0. A key there
 * without an expiry (of any type) was not written by a lease, which always has one: it is garbage
 * that would never run out, so it is replaced. Without that, every miss of the key would wait two
 * lease ttls for a holder that does not exist.
 */
export const ACQUIRE = `
if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
if redis.call('pttl', KEYS[1]) ~= -1 then return 0 end
redis.call('del', KEYS[1])
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** Deletes the lease KEYS[1] only if ARGV[1] (the token) still holds it. */
export const RELEASE =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** Extends the lease KEYS[1] to ARGV[2] ms only if ARGV[1] still holds it: 1, else 0. */
export const RENEW =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

/**
 * Writes the entry ARGV[1] under KEYS[1] (for ARGV[2] ms, or for ever when ARGV[2] is '') and
 * adds ARGV[3], the key's full name, to each tag set KEYS[2..]. A tag set lives as long as its
 * longest-lived member: it is only ever made to live longer. A tag key holding anything but a set
 * is garbage under the store's own keys: it is replaced, instead of failing every tagged write
 * with WRONGTYPE (which would count as an outage and open the circuit).
 */
export const SET_TAGGED = `
local ms = tonumber(ARGV[2])
if ms then redis.call('set', KEYS[1], ARGV[1], 'PX', ms) else redis.call('set', KEYS[1], ARGV[1]) end
for i = 2, #KEYS do
  local kind = redis.call('type', KEYS[i]).ok
  if kind ~= 'none' and kind ~= 'set' then redis.call('del', KEYS[i]) end
  local fresh = redis.call('exists', KEYS[i]) == 0
  local left = redis.call('pttl', KEYS[i])
  redis.call('sadd', KEYS[i], ARGV[3])
  if not ms then
    redis.call('persist', KEYS[i])
  elseif fresh or (left >= 0 and left < ms) then
    redis.call('pexpire', KEYS[i], ms)
  end
end
return 1`;

/**
 * Takes up to ARGV[3] members out of the tag set KEYS[1] and deletes those that still carry the
 * tag ARGV[1] (a member rewritten since without it stays). The tags are read from the entry's
 * header, the JSON line after the version line ARGV[2]. Answers { deleted, taken }: fewer taken
 * than asked means the set is empty (Redis then drops it). In batches, so that a tag on many
 * entries never holds Redis (single-threaded: every client waits) for long: 200,000 members in one
 * script held it 1.6 s. A tag key holding anything but a set is garbage: it is deleted (it names
 * no entry), not a WRONGTYPE error.
 */
export const DELETE_TAG = `
local skip = #ARGV[2] + 1
local deleted = 0
if redis.call('type', KEYS[1]).ok ~= 'set' then
  redis.call('del', KEYS[1])
  return { 0, 0 }
end
local members = redis.call('spop', KEYS[1], ARGV[3])
for _, member in ipairs(members) do
  local ok, text = pcall(redis.call, 'get', member)
  if ok and text and string.sub(text, 1, skip) == ARGV[2] .. '\\n' then
    local stop = string.find(text, '\\n', skip + 1, true)
    local parsed, header = pcall(cjson.decode, string.sub(text, skip + 1, (stop or 0) - 1))
    if parsed and type(header) == 'table' and type(header.t) == 'table' then
      for _, tag in ipairs(header.t) do
        if tag == ARGV[1] then
          redis.call('unlink', member)
          deleted = deleted + 1
          break
        end
      end
    end
  end
end
return { deleted, #members }`;
