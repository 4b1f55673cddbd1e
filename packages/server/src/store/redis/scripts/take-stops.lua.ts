// Script: take-stops (spec §6.6).
import { luaScript } from './lib.lua.js';

export const takeStopsScript = luaScript(
  'sluiceTakeStops',
  String.raw`
-- Takes and clears the job ids pending a job-stop for a worker, in job creation order: each stop is
-- delivered once, even with several servers polling for the same worker.
-- KEYS[1] endpoint tag
-- ARGV[1] worker id
-- Returns {job id...}.
local ids = redis.call('ZRANGE', k_stops(ARGV[1]), 0, -1)
if #ids > 0 then redis.call('DEL', k_stops(ARGV[1])) end
return ids
`,
);
