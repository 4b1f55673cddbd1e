// Script: set-ttl-deadline (spec §4.3, status?ttl=).
import { luaScript } from './lib.lua.js';

export const setTtlDeadlineScript = luaScript(
  'sluiceSetTtlDeadline',
  String.raw`
-- Moves a job's ttl deadline and, with it, its place in live-deadline (active) or delete-at (terminal).
-- KEYS[1] endpoint tag
-- ARGV[1] job id   ARGV[2] deadline   ARGV[3] the ttl that set it, or '' to keep the job's ttl
-- Returns the job, or nil for an unknown job.
local j = load(ARGV[1])
if not j then return nil end
if ARGV[3] == '' then update(j, { ttlDeadline = ARGV[2] }) else update(j, { ttlDeadline = ARGV[2], ttl = ARGV[3] }) end
return pack(j)
`,
);
