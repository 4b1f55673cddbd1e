// Script: unclaim (spec §1.5: a take answer that could not be written).
import { luaScript } from './lib.lua.js';

export const unclaimScript = luaScript(
  'sluiceUnclaim',
  String.raw`
-- Puts jobs still leased to the worker back at the head of the queue in their original order, counting no
-- retry and keeping queuedAt; jobs not leased to it are left alone.
-- KEYS[1] endpoint tag
-- ARGV[1] worker id   ARGV[2..] job ids
-- Returns the jobs requeued.
local jobs, seen = {}, {}
for i = 2, #ARGV do
  local id = ARGV[i]
  if not seen[id] then
    seen[id] = true
    local j = load(id)
    if j and leased_to(j, ARGV[1]) then jobs[#jobs + 1] = j end
  end
end
local out = {}
for _, j in ipairs(requeue_at_head(jobs, function() return {} end)) do out[#out + 1] = pack(j) end
return out
`,
);
