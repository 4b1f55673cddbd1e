// The Lua scripts of the Redis history and log stores. Each runs on one endpoint's keys (KEYS[1] = its hash tag),
// so a job's summary, its index entries and its timeline move in one atomic step, also on Redis Cluster.
//
//   {p:ep}:hist:<id>         hash   status, rec (job without bodies, JSON), member, input, output, dropped,
//                                   stream (items), tldropped, exp
//   {p:ep}:hist-tl:<id>      list   timeline events (JSON), oldest first, capped
//   {p:ep}:hist-wh:<id>      list   webhook attempts (JSON), capped
//   {p:ep}:hist-all          zset   every job, all scores 0, member "<createdAt, 16 digits>:<id>" (lex order)
//   {p:ep}:hist-st:<status>  zset   the same for one status
//   {p:ep}:hist-exp          zset   job ids by expiresAt
//   {p}:hist-endpoints       set    endpoints with history (trim walks them)
//   {p:ep}:log:<owner>       list   log lines of "job:<id>" or "worker:<id>" (JSON with seq), oldest first
//   {p:ep}:logmeta:<owner>   hash   bytes, dropped, ended
//   {p:ep}:log-seq           string last seq handed out

export const HISTORY_WRITE = `
local tag, id, member, status = KEYS[1], ARGV[1], ARGV[2], ARGV[3]
local h = tag .. ':hist:' .. id
local old = redis.call('HGET', h, 'status')
if old and old ~= status then redis.call('ZREM', tag .. ':hist-st:' .. old, member) end
redis.call('ZADD', tag .. ':hist-st:' .. status, 0, member)
redis.call('ZADD', tag .. ':hist-all', 0, member)
redis.call('HSET', h, 'status', status, 'rec', ARGV[4], 'member', member)
local bodies = { 'input', 'output', 'dropped' }
for i = 1, 3 do
  local v = ARGV[4 + i]
  if v == '' then redis.call('HDEL', h, bodies[i]) else redis.call('HSET', h, bodies[i], v) end
end
if ARGV[8] ~= '' then
  local tl = tag .. ':hist-tl:' .. id
  local n = redis.call('RPUSH', tl, ARGV[8])
  local max = tonumber(ARGV[12])
  if n > max then
    redis.call('LTRIM', tl, n - max, -1)
    redis.call('HINCRBY', h, 'tldropped', n - max)
  end
end
if tonumber(ARGV[9]) > 0 then redis.call('HINCRBY', h, 'stream', ARGV[9]) end
if ARGV[11] == 'null' then
  redis.call('ZREM', tag .. ':hist-exp', id)
  redis.call('HDEL', h, 'exp')
elseif ARGV[11] ~= '' then
  redis.call('ZADD', tag .. ':hist-exp', ARGV[11], id)
  redis.call('HSET', h, 'exp', ARGV[11])
end
return 1
`;

/** Adds webhook attempt ARGV[2] (capped at ARGV[3]) to job ARGV[1], when history has it. */
export const HISTORY_WEBHOOK = `
local tag, id = KEYS[1], ARGV[1]
if redis.call('EXISTS', tag .. ':hist:' .. id) == 0 then return 0 end
local wh = tag .. ':hist-wh:' .. id
redis.call('RPUSH', wh, ARGV[2])
redis.call('LTRIM', wh, -tonumber(ARGV[3]), -1)
return 1
`;

/** Drops up to ARGV[2] records expired at ARGV[1]; returns their ids. */
export const HISTORY_TRIM = `
local tag = KEYS[1]
local ids = redis.call('ZRANGEBYSCORE', tag .. ':hist-exp', '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  local h = tag .. ':hist:' .. id
  local fields = redis.call('HMGET', h, 'member', 'status')
  if fields[1] then
    redis.call('ZREM', tag .. ':hist-all', fields[1])
    redis.call('ZREM', tag .. ':hist-st:' .. fields[2], fields[1])
  end
  redis.call('ZREM', tag .. ':hist-exp', id)
  redis.call('DEL', h, tag .. ':hist-tl:' .. id, tag .. ':hist-wh:' .. id)
end
return ids
`;

/**
 * Appends lines. ARGV: count, then per line: its JSON without seq (a "seq" field is added here), its message
 * bytes, its owners ("job:<id>" and/or "worker:<id>", space-separated). Caps (ARGV after the lines):
 * job lines, job bytes, worker lines, job keep ms ('' = none), worker keep ms. Retention counts from now on the
 * Redis clock (PEXPIRE), refreshed by every line.
 */
export const LOG_APPEND = `
local tag = KEYS[1]
local n = tonumber(ARGV[1])
local base = 1 + 3 * n
local jobLines, jobBytes, workerLines = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
local jobKeep, workerKeep = ARGV[base + 4], tonumber(ARGV[base + 5])
local last = redis.call('INCRBY', tag .. ':log-seq', n)
local seq = last - n
local touched = {}
for i = 0, n - 1 do
  seq = seq + 1
  local line = string.sub(ARGV[2 + 3 * i], 1, -2) .. ',"seq":' .. seq .. '}'
  local bytes = tonumber(ARGV[3 + 3 * i])
  for owner in string.gmatch(ARGV[4 + 3 * i], '%S+') do
    redis.call('RPUSH', tag .. ':log:' .. owner, line)
    redis.call('HINCRBY', tag .. ':logmeta:' .. owner, 'bytes', bytes)
    touched[owner] = true
  end
end
for owner, _ in pairs(touched) do
  local list, meta = tag .. ':log:' .. owner, tag .. ':logmeta:' .. owner
  local isJob = string.sub(owner, 1, 4) == 'job:'
  local maxLines = isJob and jobLines or workerLines
  local total = tonumber(redis.call('HGET', meta, 'bytes'))
  local len = redis.call('LLEN', list)
  local dropped = 0
  while len > maxLines or (isJob and total > jobBytes) do
    local first = redis.call('LPOP', list)
    if not first then break end
    total = total - tonumber(string.match(first, '"bytes":(%d+)'))
    len = len - 1
    dropped = dropped + 1
  end
  if dropped > 0 then
    redis.call('HSET', meta, 'bytes', total)
    redis.call('HINCRBY', meta, 'dropped', dropped)
  end
  local keep = isJob and jobKeep or tostring(workerKeep)
  if keep ~= '' then
    redis.call('PEXPIRE', list, keep)
    redis.call('PEXPIRE', meta, keep)
  else
    redis.call('PERSIST', list)
    redis.call('PERSIST', meta)
  end
end
return last
`;

/**
 * One page of history, newest first, in one round trip. ARGV: max and min (ZRANGE BYLEX bounds), limit, then the
 * index keys' suffixes ("all" or "st:<status>"). Each index gives its first limit + 1 members in range; their
 * merge, cut to limit + 1, is the page plus one member that says whether another page follows. Returns
 * { members of the page and the one after it, records of the page (false where one is missing) }.
 */
export const HISTORY_LIST = `
local tag, max, min, limit = KEYS[1], ARGV[1], ARGV[2], tonumber(ARGV[3])
local merged = {}
for i = 4, #ARGV do
  local members = redis.call('ZRANGE', tag .. ':hist-' .. ARGV[i], max, min, 'BYLEX', 'REV', 'LIMIT', 0, limit + 1)
  for _, m in ipairs(members) do merged[#merged + 1] = m end
end
if #ARGV > 4 then table.sort(merged, function(a, b) return a > b end) end
local page, records = {}, {}
for i = 1, math.min(#merged, limit + 1) do
  page[i] = merged[i]
  if i <= limit then
    records[i] = redis.call('HGET', tag .. ':hist:' .. string.sub(merged[i], 18), 'rec')
  end
end
return { page, records }
`;
