"""The Lua scripts that make each step of the shared crawl atomic in Redis (see `Cluster`)."""

# Seen check, budgets and enqueue in one step. KEYS: queue, counters, then one seen set per
# entry. ARGV: max pages, max pages per host, date pages, then per entry: member, fingerprint,
# depth, host, date pattern ('' none), flag ('t' a trap by shape, 'p' page, 's' sitemap).
OFFER = """
local max_pages, per_host, date_pages = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local out = {}
for i = 0, (#ARGV - 3) / 6 - 1 do
  local a = 3 + i * 6
  local member, fp, depth = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  local host, pattern, flag = ARGV[a + 4], ARGV[a + 5], ARGV[a + 6]
  local verdict = 'queued'
  if redis.call('SADD', KEYS[3 + i], fp) == 0 then
    verdict = 'seen'
  elseif flag ~= 's' then
    redis.call('HINCRBY', KEYS[2], 'seen', 1)
    local function count(name) return tonumber(redis.call('HGET', KEYS[2], name) or '0') end
    local calendar = pattern ~= '' and date_pages > 0 and count('date:' .. pattern) >= date_pages
    if flag == 't' or calendar then
      verdict = 'trap'
    elseif max_pages > 0 and count('scheduled') >= max_pages then
      verdict = 'max_pages'
    elseif per_host > 0 and count('host:' .. host) >= per_host then
      verdict = 'max_pages_per_host'
    else
      redis.call('HINCRBY', KEYS[2], 'scheduled', 1)
      redis.call('HINCRBY', KEYS[2], 'host:' .. host, 1)
      if pattern ~= '' then redis.call('HINCRBY', KEYS[2], 'date:' .. pattern, 1) end
    end
  end
  if verdict == 'queued' then redis.call('ZADD', KEYS[1], depth, member) end
  out[#out + 1] = verdict
end
return out
"""

# Take the shallowest entry into this worker's in-flight hash. KEYS: queue, in-flight, lease.
LEASE = """
if redis.call('EXISTS', KEYS[3]) == 0 then return redis.error_reply('LEASE_LOST') end
local popped = redis.call('ZPOPMIN', KEYS[1])
if #popped == 0 then return false end
local e = cjson.decode(popped[1])
redis.call('HSET', KEYS[2], e[4] .. ' ' .. e[1], popped[1])
return popped[1]
"""

# Give up entries whose rows are committed. KEYS: in-flight, worker, counters.
# ARGV: batch seq ('' none), pages, fetch rows, then in-flight fields.
RELEASE = """
for i = 4, #ARGV do redis.call('HDEL', KEYS[1], ARGV[i]) end
if ARGV[1] ~= '' then redis.call('HSET', KEYS[2], 'released_seq', ARGV[1]) end
for _, k in ipairs({KEYS[2], KEYS[3]}) do
  redis.call('HINCRBY', k, 'pages', ARGV[2])
  redis.call('HINCRBY', k, 'fetches', ARGV[3])
end
return redis.call('HLEN', KEYS[1])
"""

# Put in-flight entries back into the frontier (each once, however many callers race).
# KEYS: in-flight, queue. ARGV: fields.
REQUEUE = """
local n = 0
for i = 1, #ARGV do
  local member = redis.call('HGET', KEYS[1], ARGV[i])
  if member then
    redis.call('HDEL', KEYS[1], ARGV[i])
    redis.call('ZADD', KEYS[2], cjson.decode(member)[2], member)
    n = n + 1
  end
end
return n
"""

# Claim the seeding of a crawl: 1 unless another seeder holds it (one whose lease lives, or
# that finished seeding). KEYS: meta. ARGV: lease key prefix, then field/value pairs.
CREATE = """
local seeder = redis.call('HGET', KEYS[1], 'seeder')
if seeder then
  local seeding = redis.call('HGET', KEYS[1], 'status') == 'seeding'
  if not seeding or redis.call('EXISTS', ARGV[1] .. seeder) == 1 then return 0 end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
"""

# 1 when the crawl is over: seeded, nothing queued, nothing in flight. KEYS: meta, queue,
# workers. ARGV: the crawl's key prefix.
DONE = """
local status = redis.call('HGET', KEYS[1], 'status')
if status == 'finished' then return 1 end
if status ~= 'running' or redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
for _, w in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('HLEN', ARGV[1] .. 'inflight:' .. w) > 0 then return 0 end
end
return 1
"""

# Renew this worker's lease and publish its progress. KEYS: lease, worker. ARGV: lease ms,
# then field/value pairs. 0 when the lease had already expired.
HEARTBEAT = """
if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
if #ARGV > 1 then redis.call('HSET', KEYS[2], unpack(ARGV, 2)) end
return 1
"""

# A per-host download slot, for the whole cluster. KEYS: slots (token → expiry), next start.
# ARGV: token ('<lease key>|<id>'), concurrency, delay ms, slot TTL ms. 0 when a slot was
# taken, else milliseconds to wait before asking again. The Redis clock, not the workers'.
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local limit = tonumber(ARGV[2])
if limit > 0 and redis.call('ZCARD', KEYS[1]) >= limit then
  for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
    local lease = string.match(m, '^(.*)|')
    if lease and redis.call('EXISTS', lease) == 0 then redis.call('ZREM', KEYS[1], m) end
  end
  if redis.call('ZCARD', KEYS[1]) >= limit then return 50 end
end
local nxt = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < nxt then return nxt - now end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local delay = tonumber(ARGV[3])
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay) end
return 0
"""

# A host asked everyone to wait (429/503 Retry-After). KEYS: next start. ARGV: ms.
PAUSE = """
local t = redis.call('TIME')
local until_ = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
if until_ > tonumber(redis.call('GET', KEYS[1]) or '0') then
  redis.call('SET', KEYS[1], until_, 'PX', ARGV[1])
end
return 0
"""
