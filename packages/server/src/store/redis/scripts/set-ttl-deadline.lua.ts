// Script: set-ttl-deadline (spec §4.3, status?ttl=).
import { luaScript } from './lib.lua.js';

export const setTtlDeadlineScript = luaScript(
  'sluiceSetTtlDeadline',
  String.raw`
-- Moves a job's ttl deadline and, with it, its place in live-deadline (active) or delete-at (terminal).
-- KEYS[1] endpoint tag
-- ARGV[1] job id   ARGV[2] deadline
-- Returns the job, or nil for an unknown job.
local j = load(ARGV[1])
if not j then return nil end
update(j, { ttlDeadline = ARGV[2] })
return pack(j)
`,
);
