// Script: reclaim (spec §2.3 row 13, §6.8).
import { luaScript } from './lib.lua.js';

export const reclaimScript = luaScript(
  'sluiceReclaim',
  String.raw`
-- Recovers the IN_PROGRESS jobs of a lost worker: within the budget (reclaims < max) a job goes back to the
-- head with retries + 1, reclaims + 1, its holder kept as previousWorkerId and no output; past it, the job
-- fails with the error (a webhook delivery, no job-stop: the worker is gone). Only jobs leased to that worker.
-- KEYS[1] endpoint tag
-- ARGV[1] worker id   ARGV[2] max reclaims   ARGV[3] error   ARGV[4] now   ARGV[5] webhook delivery nonce
-- ARGV[6] 'all' (every job leased to the worker) or 'ids'   ARGV[7..] job ids
-- Returns {job...}: the requeued in queue order, then the failed.
local worker, max_reclaims, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[4])
local ids = {}
if ARGV[6] == 'all' then
  ids = redis.call('SMEMBERS', k_leased(worker))
else
  for i = 7, #ARGV do ids[#ids + 1] = ARGV[i] end
end
local requeue, exhausted, seen = {}, {}, {}
for _, id in ipairs(ids) do
  if not seen[id] then
    seen[id] = true
    local j = load(id)
    if j and leased_to(j, worker) and next_status(j.status, 'requeue') then
      if tonumber(j.reclaims) < max_reclaims then
        requeue[#requeue + 1] = j
      else
        exhausted[#exhausted + 1] = j
      end
    end
  end
end
local out = {}
local requeued = requeue_at_head(requeue, function(j)
  return {
    retries = int(tonumber(j.retries) + 1), reclaims = int(tonumber(j.reclaims) + 1),
    previousWorkerId = j.workerId, queuedAt = ARGV[4], output = false,
  }
end)
for _, j in ipairs(requeued) do out[#out + 1] = pack(j) end
table.sort(exhausted, function(a, b) return tonumber(a.seq) < tonumber(b.seq) end)
for _, j in ipairs(exhausted) do
  local to = next_status(j.status, 'fail')
  if to then
    unindex(j)
    put(j, { output = false })
    enter_terminal(j, to, ARGV[3], nil, now, ARGV[5])
    index(j)
    out[#out + 1] = pack(j)
  end
end
return out
`,
);
