// Script: claim (spec §2.3 row 2).
import { luaScript } from './lib.lua.js';

export const claimScript = luaScript(
  'sluiceClaim',
  String.raw`
-- Leases up to max queued jobs, lowest queue position first, to one worker: each leaves the queue, becomes
-- IN_PROGRESS with workerId and startedAt, enters run-deadline and the worker's leased set. Two servers
-- claiming at once never get the same job: the script runs alone. A draining worker is leased nothing.
-- KEYS[1] endpoint tag
-- ARGV[1] worker id   ARGV[2] max   ARGV[3] now
-- Returns {job...} in queue order.
local max = tonumber(ARGV[2])
if max <= 0 or redis.call('HGET', k_worker(ARGV[1]), 'draining') == '1' then return {} end
local out = {}
for _, id in ipairs(redis.call('ZRANGE', k_queue(), 0, max - 1)) do
  local j = load(id)
  local to = j and next_status(j.status, 'claim')
  if to then
    update(j, { status = to, workerId = ARGV[1], startedAt = ARGV[3], previousWorkerId = false })
    out[#out + 1] = pack(j)
  else
    redis.call('ZREM', k_queue(), id)
  end
end
return out
`,
);
