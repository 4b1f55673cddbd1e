// Script: unread-stream (spec §4.5: an answer whose connection closed before it was written gives its items back).
import { luaScript } from './lib.lua.js';

export const unreadStreamScript = luaScript(
  'sluiceUnreadStream',
  String.raw`
-- Puts items handed out by read-stream back at the head of the job's stream and moves streamTaken back, only
-- while no later read took items after them (streamTaken still ends with the last of them).
-- KEYS[1] endpoint tag
-- ARGV[1] job id   ARGV[2] first seq   ARGV[3..] the items, last first
-- Returns 1 when they went back, else 0.
local j = load(ARGV[1])
local n = #ARGV - 2
if not j or n == 0 then return 0 end
local first = tonumber(ARGV[2])
if tonumber(j.streamTaken or '0') ~= first + n - 1 then return 0 end
redis.call('LPUSH', k_stream(j.id), unpack(ARGV, 3))
put(j, { streamTaken = int(first - 1) })
return 1
`,
);
