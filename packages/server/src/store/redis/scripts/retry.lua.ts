// Script: retry (spec §2.3 row 15).
import { luaScript } from './lib.lua.js';

export const retryScript = luaScript(
  'sluiceRetry',
  String.raw`
-- Puts a FAILED or TIMED_OUT job back at the tail with a clean slate: same id and input, retries + 1, a new
-- ttl deadline, the whole reclaim budget again, no output, error, timings, holder or stream items, and a
-- stream numbered from 1 again (streamTaken goes with the list). Other states are refused, unchanged.
-- KEYS[1] endpoint tag
-- ARGV[1] job id   ARGV[2] now
-- Returns {status before, job}, nil for an unknown job; errors "ERR_JOB_NOT_RETRYABLE <status>".
local j = load(ARGV[1])
if not j then return nil end
local to = next_status(j.status, 'retry')
if not to then return redis.error_reply('ERR_JOB_NOT_RETRYABLE ' .. j.status) end
local from = j.status
local now = tonumber(ARGV[2])
local seq = int(redis.call('INCR', k_seq()))
update(j, {
  status = to, seq = seq, queuedAt = ARGV[2], ttlDeadline = int(now + tonumber(j.ttl)),
  retries = int(tonumber(j.retries) + 1), reclaims = '0', streaming = '0',
  startedAt = false, finishedAt = false, retainUntil = false, workerId = false, previousWorkerId = false,
  output = false, error = false, streamTaken = false,
})
redis.call('DEL', k_stream(j.id))
return {from, pack(j)}
`,
);
