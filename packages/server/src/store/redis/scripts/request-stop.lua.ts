// Script: request-stop (spec §6.6 delivery: a stop re-sent while pings still list the job).
import { luaScript } from './lib.lua.js';

export const requestStopScript = luaScript(
  'sluiceRequestStop',
  String.raw`
-- Queues a job-stop again for a job that is already terminal (the worker's pings still list it); does
-- nothing for an unknown job or an active one. A job is pending at most once per worker.
-- KEYS[1] endpoint tag
-- ARGV[1] worker id   ARGV[2] job id
-- Returns 1 when a stop is pending, else 0.
local j = load(ARGV[2])
if not j or not TERMINAL[j.status] then return 0 end
redis.call('ZADD', k_stops(ARGV[1]), j.pk, j.id)
return 1
`,
);
