// Script: enqueue (spec §2.3 row 1, §9.2).
import { luaScript } from './lib.lua.js';

export const enqueueScript = luaScript(
  'sluiceEnqueue',
  String.raw`
-- Adds a job IN_QUEUE at the tail of its endpoint's queue, or returns the job a live idempotency entry points
-- at. Guarantees, in one step: a replay creates nothing (and is allowed when the queue is full); a different
-- fingerprint under a live key is refused; the queue cap counts IN_QUEUE jobs only; the job, its indexes,
-- its counters and its idempotency entry appear together.
-- KEYS[1] endpoint tag
-- ARGV[1] job id       ARGV[2] maxQueueSize ('' = none)   ARGV[3] idempotency field "<scope>\n<key>" ('' = none)
-- ARGV[4] fingerprint  ARGV[5] key expiresAt              ARGV[6] createdAt
-- ARGV[7..] field, value pairs of the new job hash (everything but seq and pk)
-- Returns {'created'|'replayed', job}; errors ERR_IDEMPOTENCY_CONFLICT, ERR_QUEUE_FULL, ERR_JOB_EXISTS.
local id, max_queue, idem_field = ARGV[1], ARGV[2], ARGV[3]
if idem_field ~= '' then
  local entry = redis.call('HGET', k_idem(), idem_field)
  if entry then
    local a = string.find(entry, '|', 1, true)
    local b = string.find(entry, '|', a + 1, true)
    local live = tonumber(string.sub(entry, 1, a - 1)) > tonumber(ARGV[6])
    local earlier = live and load(string.sub(entry, a + 1, b - 1))
    if earlier then
      if string.sub(entry, b + 1) ~= ARGV[4] then return redis.error_reply('ERR_IDEMPOTENCY_CONFLICT') end
      return { 'replayed', pack(earlier) }
    end
  end
end
if max_queue ~= '' and redis.call('ZCARD', k_queue()) >= tonumber(max_queue) then
  return redis.error_reply('ERR_QUEUE_FULL')
end
if redis.call('EXISTS', k_job(id)) == 1 then return redis.error_reply('ERR_JOB_EXISTS ' .. id) end
local seq = int(redis.call('INCR', k_seq()))
local fields = { 'seq', seq, 'pk', seq }
for i = 7, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', k_job(id), unpack(fields))
local j = load(id)
index(j)
if idem_field ~= '' then
  redis.call('HSET', k_idem(), idem_field, ARGV[5] .. '|' .. id .. '|' .. ARGV[4])
  redis.call('ZADD', k_idem_expiry(), ARGV[5], idem_field)
end
return { 'created', pack(j) }
`,
);
