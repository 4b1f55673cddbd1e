// Script: read-stream (spec §4.5, consume-once cursor).
import { luaScript } from './lib.lua.js';

export const readStreamScript = luaScript(
  'sluiceReadStream',
  String.raw`
-- Hands out up to max undelivered stream items, oldest first, and removes them: every item goes to exactly
-- one reader, and the job read is the job as it was when the items were taken.
-- KEYS[1] endpoint tag
-- ARGV[1] job id   ARGV[2] max
-- The hash field streamTaken counts items handed out since the stream began (retry deletes it with the
-- list): popped items leave no trace in the list, so this is what numbers them (StreamRead.firstSeq).
-- Returns {job, {item...}, taken before this read}, or nil for an unknown job.
local j = load(ARGV[1])
if not j then return nil end
local items = {}
local max = tonumber(ARGV[2])
if max > 0 then items = redis.call('LPOP', k_stream(j.id), max) or {} end
local before = tonumber(j.streamTaken or '0')
if #items > 0 then
  local bytes = 0
  for _, item in ipairs(items) do bytes = bytes + string.len(item) end
  local left = math.max(0, tonumber(j.streamBytes or '0') - bytes)
  put(j, { streamTaken = int(before + #items), streamBytes = int(left) })
end
return { pack(j), items, before }
`,
);
