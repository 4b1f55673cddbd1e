// Script: leased-jobs (spec §6.8, checking a worker's pings against its leases). A read.
import { luaScript } from './lib.lua.js';

export const leasedJobsScript = luaScript(
  'sluiceLeasedJobs',
  String.raw`
-- Reads the IN_PROGRESS jobs leased to a worker, in job creation order, as one consistent snapshot.
-- KEYS[1] endpoint tag
-- ARGV[1] worker id
-- Returns {job...}.
local jobs = {}
for _, id in ipairs(redis.call('SMEMBERS', k_leased(ARGV[1]))) do
  local j = load(id)
  if j and leased_to(j, ARGV[1]) then jobs[#jobs + 1] = j end
end
table.sort(jobs, function(a, b) return tonumber(a.pk) < tonumber(b.pk) end)
local out = {}
for _, j in ipairs(jobs) do out[#out + 1] = pack(j) end
return out
`,
);
