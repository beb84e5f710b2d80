/**
 * Lua for the Redis presence store: each script changes an entry only if it is still what the
 * caller saw, so two replicas reaping the same crash announce each departure once.
 *
 * Entries are JSON that begins with `{"joinedAt":N,`; scripts read it, and never re-encode it
 * (cjson would round large numbers). Index keys are named from the prefix and an entry's
 * instance, so the store assumes one Redis, as the adapters do.
 */

/** KEYS: room hash, own index, detached zset. ARGV: socket id, JSON without joinedAt, joinedAt, member. */
export const PUT = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
local joined = ARGV[3]
if old then joined = string.match(old, '^{"joinedAt":(%d+)') or joined end
local entry = '{"joinedAt":' .. joined .. ',' .. string.sub(ARGV[2], 2)
redis.call('HSET', KEYS[1], ARGV[1], entry)
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('ZREM', KEYS[3], ARGV[4])
if old then return {0, entry} end
return {1, entry}
`;

const DELETE_ENTRY = `
local function delete(hash, detached, socketId, member, prefix, old)
  redis.call('HDEL', hash, socketId)
  redis.call('ZREM', detached, member)
  redis.call('SREM', prefix .. cjson.decode(old).instance, member)
  return old
end
`;

/** KEYS: room hash, detached zset. ARGV: socket id, owner ('' for anyone), member, index prefix. */
export const REMOVE = `${DELETE_ENTRY}
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return false end
if ARGV[2] ~= '' and cjson.decode(old).instance ~= ARGV[2] then return false end
return delete(KEYS[1], KEYS[2], ARGV[1], ARGV[3], ARGV[4], old)
`;

/** KEYS: room hash, detached zset. ARGV: socket id, owner, member, deadline. */
export const DETACH = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old or cjson.decode(old).instance ~= ARGV[2] then return 0 end
return redis.call('ZADD', KEYS[2], ARGV[4], ARGV[3])
`;

/**
 * Removes an entry its dead instance left, unless it is detached (its deadline decides) or a
 * recovery moved it to a live instance. KEYS: room hash, detached zset. ARGV: socket id, dead
 * instance, member, index prefix.
 */
export const REAP = `${DELETE_ENTRY}
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old or cjson.decode(old).instance ~= ARGV[2] then return false end
if redis.call('ZSCORE', KEYS[2], ARGV[3]) then return false end
return delete(KEYS[1], KEYS[2], ARGV[1], ARGV[3], ARGV[4], old)
`;

/** KEYS: room hash, detached zset. ARGV: socket id, member, now, index prefix. */
export const EXPIRE = `${DELETE_ENTRY}
local deadline = redis.call('ZSCORE', KEYS[2], ARGV[2])
if not deadline or tonumber(deadline) > tonumber(ARGV[3]) then return false end
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then
  redis.call('ZREM', KEYS[2], ARGV[2])
  return false
end
return delete(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[4], old)
`;
