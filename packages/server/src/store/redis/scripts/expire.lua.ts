// Script: expire (spec §2.3 rows 11, 12, 16; §2.5).
import { luaScript } from './lib.lua.js';

export const expireScript = luaScript(
  'sluiceExpire',
  String.raw`
-- One bounded pass of the time rules over one endpoint, reading only what is due from the deadline sets (so
-- its cost is what is due, not what is stored): executionTimeout since pickup, then ttl deadlines of active
-- jobs (-> TIMED_OUT, output dropped, job-stop when running, webhook delivery), then deletion of terminal jobs
-- past retention or ttl, then expired idempotency entries. At most batch items per rule; more = 1 asks the
-- caller to run it again. A job timed out now is kept for its retention: its delete-at lies ahead.
-- KEYS[1] endpoint tag
-- ARGV[1] now   ARGV[2] batch size   ARGV[3] webhook delivery nonce
-- Returns {{previous status, job}..., deleted count, more (0|1)}.
local now, batch = tonumber(ARGV[1]), tonumber(ARGV[2])
local timed_out, deleted, more = {}, 0, 0
local function due(key)
  local ids = redis.call('ZRANGEBYSCORE', key, '-inf', ARGV[1], 'LIMIT', 0, batch)
  if #ids == batch then more = 1 end
  return ids
end
local function time_out(key, id, reason)
  local j = load(id)
  local to = j and next_status(j.status, 'time-out')
  if not to then
    redis.call('ZREM', key, id)
    return
  end
  local previous = j.status
  local stop = nil
  if previous == RUNNING then stop = j.workerId end
  unindex(j)
  put(j, { output = false })
  enter_terminal(j, to, reason(j), stop, now, ARGV[3])
  index(j)
  timed_out[#timed_out + 1] = { previous, pack(j) }
end
for _, id in ipairs(due(k_run_deadline())) do
  time_out(k_run_deadline(), id, function(j) return 'execution timeout exceeded (' .. j.executionTimeout .. ' ms)' end)
end
for _, id in ipairs(due(k_live_deadline())) do
  time_out(k_live_deadline(), id, function(j) return 'ttl expired (' .. j.ttl .. ' ms)' end)
end
for _, id in ipairs(due(k_delete_at())) do
  local j = load(id)
  if j then
    delete_job(j)
    deleted = deleted + 1
  else
    redis.call('ZREM', k_delete_at(), id)
  end
end
for _, field in ipairs(due(k_idem_expiry())) do
  redis.call('HDEL', k_idem(), field)
  redis.call('ZREM', k_idem_expiry(), field)
end
return { timed_out, deleted, more }
`,
);
